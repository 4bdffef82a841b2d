{#
    Pseudonymous household id: hex HMAC-SHA256 of the Tibber home id, keyed with the secret in
    private.pseudonym_key (pgcrypto's hmac, installed in schema private). The key lives only in that table,
    written by `python -m gridcarbon.bootstrap database` from GRIDCARBON_PSEUDONYM_KEY and readable by the
    transformer role only (not bi_reader, not the loader): compiled SQL, the manifest and the docs name the
    table, never the key. The Tibber id itself never reaches the marts.
#}
{% macro household_id(tibber_home_id_column) -%}
    encode(
        private.hmac(
            ({{ tibber_home_id_column }})::text,
            (select pseudonym_key.hmac_key from private.pseudonym_key as pseudonym_key),
            'sha256'
        ),
        'hex'
    )
{%- endmacro %}
