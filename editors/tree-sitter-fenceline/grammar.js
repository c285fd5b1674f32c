/**
 * tree-sitter grammar of the fenceline policy language (.fence), for Neovim and Helix
 * highlighting. It follows grammar/fenceline.pest, the language's definition; the corpus in
 * test/corpus holds one case per kind of declaration (`tree-sitter test`).
 */
const commaSep1 = (rule) => seq(rule, repeat(seq(',', rule)));
const block = (...stmts) => seq('{', repeat(choice(...stmts)), '}');

module.exports = grammar({
  name: 'fenceline',
  word: ($) => $.identifier,
  extras: ($) => [/\s/, $.comment],

  rules: {
    source_file: ($) => repeat($._item),
    _item: ($) =>
      choice($.include, $.policy, $.zone, $.service, $.conduit, $.device, $.expect, $.template, $.site),

    comment: (_) => token(seq('#', /.*/)),
    identifier: (_) => /[a-z][a-z0-9]*(-[a-z0-9]+)*/,
    string: (_) => seq('"', repeat(choice(token.immediate(/[^"\\\n]+/), $_escape())), token.immediate('"')),
    number: (_) => /[0-9]+/,
    level_value: (_) => /[0-9]+(\.[0-9]+)?/,
    address: (_) => /[0-9A-Fa-f:.]*([0-9:]|\{[a-z][a-z0-9-]*\})[0-9A-Fa-f:.{}a-z-]*(\/[0-9a-z{}-]+)?/,
    rule_id: (_) => /[A-Z]+[0-9]*-[0-9]+/,
    date: (_) => /[0-9]{4}-[0-9]{2}-[0-9]{2}/,
    service_item: (_) => /[a-z]+[0-9]*(\/[A-Za-z0-9-]+)?/,
    inline_service: (_) => /[a-z]+[0-9]*\/[A-Za-z0-9-]+/,
    interface_name: (_) => /[A-Za-z0-9\/._:@-]+/,

    include: ($) => seq('include', $.string),
    policy: ($) =>
      seq('policy', $.string, optional(block($.description, $.owner, $.revision, $.approved_by, $.risk_matrix))),
    description: ($) => seq('description', $.string),
    owner: ($) => seq('owner', $.string),
    exception: ($) => seq('exception', $.rule_id, $.string, optional(seq('until', $.date))),

    zone: ($) =>
      seq(
        'zone',
        field('name', $.identifier),
        block(
          $.asset, $.description, $.owner, $.level, $.sl_target, $.network, $.vlan, $.safety, $.transit, $.exception,
          $.designation, $.tag, $.location, $.risk, $.capability,
        ),
      ),
    level: ($) => seq('level', $.level_value),
    sl_target: ($) => seq('sl-target', choice($.number, $.sl_vector)),
    sl_vector: ($) => seq('{', repeat($.sl_entry), '}'),
    sl_entry: ($) => seq($.identifier, $.number),
    network: ($) => seq('network', commaSep1($.net_entry)),
    net_entry: ($) => seq($.address, optional(seq('nat', $.address))),
    vlan: ($) => seq('vlan', choice($.number, $.address)),
    safety: (_) => 'safety',
    transit: (_) => 'transit',
    asset: ($) =>
      seq('asset', field('name', $.identifier), commaSep1($.address), optional(block($.kind, $.description, $.capability))),
    kind: ($) => seq('kind', $.identifier),

    service: ($) =>
      seq('service', field('name', $.identifier), commaSep1($.service_item), optional(block($.description, $.flag))),
    flag: ($) => $.identifier,

    conduit: ($) =>
      seq(
        'conduit',
        field('name', $.identifier),
        block($.allow, $.description, $.connects, $.sl_target, $.exception, $.capability, $.risk),
      ),
    connects: ($) => seq('connects', commaSep1($.identifier)),
    allow: ($) =>
      seq(
        'allow',
        field('source', $.endpoint),
        '->',
        field('destination', $.endpoint),
        commaSep1($._service_ref),
        optional($.via),
        optional(block($.log, $.description, $.exception)),
      ),
    via: ($) => seq('via', commaSep1($.identifier)),
    log: (_) => 'log',
    endpoint: ($) =>
      seq(field('zone', $.identifier), optional(seq(token.immediate('.'), field('asset', $.identifier)))),
    _service_ref: ($) => choice($.inline_service, alias($.identifier, $.service_name)),

    device: ($) =>
      seq(
        field('kind', choice('firewall', 'router', 'switch')),
        field('name', $.identifier),
        block(
          $.description, $.target, $.interface, $.ports, $.port, $.unused_ports, $.parking_vlan,
          $.cluster, $.sync, $.island, $.inspect, $.allow, $.capability,
        ),
      ),
    target: ($) => seq('target', commaSep1($.identifier)),
    interface: ($) =>
      seq('interface', $.interface_name, field('zone', $.identifier), optional(seq($.if_address, optional($.if_nodes)))),
    if_address: ($) => seq('address', commaSep1($.address)),
    if_nodes: ($) => seq('nodes', commaSep1($.address)),
    cluster: ($) => seq('cluster', commaSep1($.identifier)),
    sync: ($) => seq('sync', $.interface_name),
    island: (_) => 'island',
    inspect: (_) => 'inspect',
    ports: ($) => seq('ports', $.interface_name, $.port_mode),
    port: ($) => seq('port', $.interface_name, $.port_mode),
    port_mode: ($) => choice(seq('access', $.identifier), seq('trunk', commaSep1($.identifier))),
    unused_ports: ($) => seq('unused-ports', $.identifier),
    parking_vlan: ($) => seq('parking-vlan', $.number),

    // The assessment (IEC 62443-3-2): the policy's revision, approval and risk matrix; a zone's
    // designation, tags, location and risks; the SL-C a device (or asset) is capable of.
    revision: ($) => seq('revision', $.string),
    approved_by: ($) => seq('approved-by', $.string),
    risk_matrix: ($) => seq('risk-matrix', $.string),
    designation: ($) => seq('designation', $.identifier),
    tag: ($) => seq('tag', $.string),
    location: ($) => seq('location', $.string),
    risk: ($) =>
      seq('risk', field('name', $.identifier), block($.description, $.likelihood, $.consequence, $.fr, $.mitigated_by)),
    likelihood: ($) => seq('likelihood', $.number),
    consequence: ($) => seq('consequence', $.number),
    fr: ($) => seq('fr', commaSep1($.identifier)),
    mitigated_by: ($) => seq('mitigated-by', commaSep1($.identifier)),
    capability: ($) => seq('capability', $.sl_vector),

    expect: ($) =>
      seq('expect', choice('allow', 'deny'), $.endpoint, '->', $.endpoint, $._service_ref),

    template: ($) =>
      seq('template', field('name', $.identifier), block($.param, $.zone, $.conduit, $.device, $.expect, $.site)),
    param: ($) => seq('param', field('name', $.identifier), field('type', $.identifier)),
    site: ($) =>
      seq('site', field('name', $.identifier), field('template', $.identifier), optional(block($.binding))),
    binding: ($) => seq(field('name', $.identifier), choice($.string, $.address, $.identifier)),
  },
});

function $_escape() {
  return token.immediate(/\\["\\]/);
}
