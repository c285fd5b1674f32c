; fenceline highlights (Neovim and Helix capture names)
(comment) @comment
(string) @string
(rule_id) @constant
(date) @number
(number) @number
(level_value) @number
(address) @number
(service_item) @constant
(inline_service) @constant
(interface_name) @variable.member

[
  "include" "policy" "zone" "service" "conduit" "firewall" "router" "switch" "expect"
  "description" "owner" "level" "sl-target" "network" "vlan" "asset" "kind" "exception"
  "until" "connects" "allow" "deny" "via" "target" "interface" "ports" "port" "access"
  "trunk" "unused-ports" "parking-vlan" "address" "nodes" "cluster" "sync" "nat"
  "template" "param" "site" "revision" "approved-by" "risk-matrix" "designation" "tag"
  "location" "risk" "likelihood" "consequence" "fr" "mitigated-by" "capability"
] @keyword

[(safety) (transit) (log) (island) (inspect)] @keyword
"->" @operator
["{" "}"] @punctuation.bracket
["," "."] @punctuation.delimiter

(zone name: (identifier) @module)
(endpoint zone: (identifier) @module)
(endpoint asset: (identifier) @variable)
(asset name: (identifier) @variable)
(service name: (identifier) @type)
(service_name) @type
(conduit name: (identifier) @type.definition)
(device name: (identifier) @constructor)
(via (identifier) @constructor)
(connects (identifier) @module)
(interface zone: (identifier) @module)
(flag (identifier) @attribute)
(kind (identifier) @attribute)
(designation (identifier) @attribute)
(risk name: (identifier) @label)
(fr (identifier) @attribute)
(mitigated_by (identifier) @constructor)
(template name: (identifier) @function)
(site template: (identifier) @function)
