{#-
    The generation measures every generation staging model exposes, from `raw_generation_mwh` and
    `counts_as_generation` (DOMAIN §4.1, §4.3, §4.6):
    - generation_mwh: NULL stays NULL (not yet published, never 0); labels that are not generation
      (e.g. CAISO Imports) count 0; negative values are clamped to 0 (the raw value stays in raw_generation_mwh);
    - is_negative_clamped: the clamp happened (flag NEGATIVE_VALUE_CLAMPED downstream);
    - is_published: a value exists.
-#}
{% macro generation_measures() -%}
    case
        when raw_generation_mwh is null then null
        when not counts_as_generation then 0
        when raw_generation_mwh < 0 then 0
        else raw_generation_mwh
    end as generation_mwh,
    coalesce(counts_as_generation and raw_generation_mwh < 0, false) as is_negative_clamped,
    raw_generation_mwh is not null as is_published
{%- endmacro %}
