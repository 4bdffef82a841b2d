{#
    The periods an incremental run of a household rollup (agg_household_emissions_daily) rebuilds, as a dict for
    household_emissions_rollup / household_period_coverage, or none on a first build or --full-refresh (everything):
    - from_local: every LOCAL period starting on or after this date, i.e. the period holding
      least(the UTC hour var('incremental_lookback_days') + 1 days before fct_household_emissions' newest interval
      (the look-back the fact rebuilt, with a day's margin), the earliest interval of a fact row loaded after the
      newest load the rollup has processed, minus var('incremental_load_margin')), one day earlier for the
      households' UTC offsets;
    - from_utc: the first UTC instant a row of such a period can start at (from_local minus a day);
    - changed: a predicate on household_id, the households whose settings changed since the rollup was built
      (changed_settings_households; every period of theirs is rebuilt), looked up once per run.
    A rollup built before it had settings_fingerprint and source_loaded_at is rebuilt whole once.
#}
{% macro rollup_batch(period) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set processed_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'source_loaded_at' not in processed_columns or 'settings_fingerprint' not in processed_columns -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set fact = ref('fct_household_emissions') -%}
    {%- set query -%}
        with state as (
            select max(source_loaded_at) - interval '{{ var("incremental_load_margin", "1 hour") }}' as watermark
            from {{ this }}
        ),

        replace_from as (
            select least(
                (select max(interval_start_utc) from {{ fact }})
                    - interval '{{ var("incremental_lookback_days", 7) + 1 }} days',
                (
                    select min(changed_fact.interval_start_utc)
                    from {{ fact }} as changed_fact
                    where changed_fact.source_loaded_at > (select state.watermark from state)
                )
            ) as replace_from_utc
        )

        select to_char(
            date_trunc('{{ period }}', (replace_from_utc - interval '1 day') at time zone 'UTC'), 'YYYY-MM-DD'
        )
        from replace_from
    {%- endset -%}
    {%- set from_local = run_query(query).columns[0].values()[0] -%}
    {%- if from_local is none -%}
        {#- an empty fact: nothing to roll up; keep what there is -#}
        {%- set from_local = '9999-01-01' -%}
    {%- endif -%}
    {{ return({
        'from_local': "date '" ~ from_local ~ "'",
        'from_utc': "(timestamp '" ~ from_local ~ "' at time zone 'UTC' - interval '1 day')",
        'changed': changed_settings_households('household_id'),
    }) }}
{%- endmacro %}

{# Fact rows an incremental rollup reads (see rollup_batch); on rows with interval_start_utc and household_id. #}
{% macro rollup_rows_predicate(batch) -%}
    (interval_start_utc >= {{ batch['from_utc'] }} or {{ batch['changed'] }})
{%- endmacro %}

{# Periods an incremental rollup rebuilds (see rollup_batch); on rows with period_start_local and household_id. #}
{% macro rollup_periods_predicate(batch) -%}
    (period_start_local >= {{ batch['from_local'] }} or {{ batch['changed'] }})
{%- endmacro %}
