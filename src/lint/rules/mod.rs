//! The rule registry: one module per rule, named `<id>_<pattern>`, each declaring `RULE`.
//! [`ALL`] lists them sorted by ID; codes are stable and never reused.

pub mod exc_001_exception_expired;
pub mod exc_002_exception_unused;
pub mod exc_003_exception_expiring_soon;
pub mod fr1_001_remote_access_bypasses_jump_host;
pub mod fr1_002_management_from_lower_trust;
pub mod fr3_001_cleartext_industrial_protocol;
pub mod fr3_002_cleartext_infrastructure_protocol;
pub mod fr5_001_flow_outside_conduit;
pub mod fr5_002_it_to_control_direct;
pub mod fr5_003_wildcard_flow;
pub mod fr5_005_dmz_pass_through;
pub mod fr5_006_level_skip;
pub mod fr5_007_initiated_from_lower_trust;
pub mod fr5_008_safety_zone_inbound;
pub mod fr5_010_conduit_sl_below_zone;
pub mod fr5_011_sl_gap;
pub mod fr5_012_shared_switch;
pub mod fr5_013_ot_depends_on_it;
pub mod fr5_014_island_mode_missing;
pub mod fr5_015_fail_open_configuration;
pub mod fr5_016_person_to_person_messaging;
pub mod fr5_017_zone_undocumented;
pub mod fr5_018_safety_zone_shared_switch;
pub mod fr5_019_safety_zone_sl_below_neighbour;
pub mod fr5_020_transit_below_flow_sl;
pub mod fr7_002_legacy_admin_protocol;
pub mod net_001_layer2_protocol_routed;
pub mod out_001_redundant_flow;
pub mod out_002_unenforced_flow;
pub mod out_005_stateless_return_widening;
pub mod out_006_vlan_1_user_traffic;
pub mod out_007_text_sanitised;
pub mod out_008_needs_dynamic_ports;
pub mod out_009_acl_too_large;
pub mod out_010_target_degraded;
pub mod rsk_001_sl_target_below_risk;
pub mod rsk_002_zone_without_risk;
pub mod rsk_003_mitigation_off_zone;
pub mod unused_001_unused_zone;
pub mod unused_002_unused_service;
pub mod unused_003_conduit_without_flows;

use super::Rule;

/// Every rule, sorted by ID.
pub const ALL: &[&Rule] = &[
    &exc_001_exception_expired::RULE,
    &exc_002_exception_unused::RULE,
    &exc_003_exception_expiring_soon::RULE,
    &fr1_001_remote_access_bypasses_jump_host::RULE,
    &fr1_002_management_from_lower_trust::RULE,
    &fr3_001_cleartext_industrial_protocol::RULE,
    &fr3_002_cleartext_infrastructure_protocol::RULE,
    &fr5_001_flow_outside_conduit::RULE,
    &fr5_002_it_to_control_direct::RULE,
    &fr5_003_wildcard_flow::RULE,
    &fr5_005_dmz_pass_through::RULE,
    &fr5_006_level_skip::RULE,
    &fr5_007_initiated_from_lower_trust::RULE,
    &fr5_008_safety_zone_inbound::RULE,
    &fr5_010_conduit_sl_below_zone::RULE,
    &fr5_011_sl_gap::RULE,
    &fr5_012_shared_switch::RULE,
    &fr5_013_ot_depends_on_it::RULE,
    &fr5_014_island_mode_missing::RULE,
    &fr5_015_fail_open_configuration::RULE,
    &fr5_016_person_to_person_messaging::RULE,
    &fr5_017_zone_undocumented::RULE,
    &fr5_018_safety_zone_shared_switch::RULE,
    &fr5_019_safety_zone_sl_below_neighbour::RULE,
    &fr5_020_transit_below_flow_sl::RULE,
    &fr7_002_legacy_admin_protocol::RULE,
    &net_001_layer2_protocol_routed::RULE,
    &out_001_redundant_flow::RULE,
    &out_002_unenforced_flow::RULE,
    &out_005_stateless_return_widening::RULE,
    &out_006_vlan_1_user_traffic::RULE,
    &out_007_text_sanitised::RULE,
    &out_008_needs_dynamic_ports::RULE,
    &out_009_acl_too_large::RULE,
    &out_010_target_degraded::RULE,
    &rsk_001_sl_target_below_risk::RULE,
    &rsk_002_zone_without_risk::RULE,
    &rsk_003_mitigation_off_zone::RULE,
    &unused_001_unused_zone::RULE,
    &unused_002_unused_service::RULE,
    &unused_003_conduit_without_flows::RULE,
];
