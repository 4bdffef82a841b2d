{#
    The incremental contract of the models whose size grows with history (intermediate/grid, intermediate/redispatch,
    intermediate/households, intermediate/attribution and the incremental facts): a run REPLACES every row of
    {{ this }} from `replace_from` on and leaves the older rows alone, where

        replace_from = least(
            the UTC hour var('incremental_lookback_days') days before the newest interval of {{ this }}
                (the look-back: late, pending and revised data, DOMAIN §4.1),
            the earliest UTC hour of an input row loaded after the newest load {{ this }} has processed, minus
                var('incremental_load_margin') (a backfill or a revision of any age: the Airflow backfill dialog, a
                manual run with a window conf; the margin covers a load that commits after a later-stamped one)
        )

    Every model carries `source_loaded_at` = the newest raw `_loaded_at` its row was computed from, so the next
    model downstream sees which of its input rows changed. Hour-aligned, so an hour re-grained from quarter-hours is
    always rebuilt whole. Household models also rebuild every row of a household whose settings changed
    (households_with_changed_settings); the facts also build intervals missing from {{ this }} however old
    (intervals_missing_from_this).
    The strategy `window_replace` deletes the whole range before inserting, so rows from replace_from on whose input
    disappeared leave too. On an empty {{ this }}, or one built before the column source_loaded_at existed,
    replace_from = -infinity (everything is rebuilt once).

    What a run cannot see (needs `dbt build --full-refresh`; attribution_methodology.md item 9): a new emission
    factor version or merit-order rank dated before replace_from, a change of the redispatch plant mapping for old
    measures, raw rows deleted by hand before replace_from.
#}

{# The look-back start and the load watermark of an incremental relation (one row). #}
{% macro incremental_state_sql(relation) -%}
    select
        {{ utc_hour_start(
            "max(interval_start_utc) - interval '" ~ var('incremental_lookback_days', 7) ~ " days'"
        ) }} as window_start,
        max(source_loaded_at) - interval '{{ var("incremental_load_margin", "1 hour") }}' as watermark
    from {{ relation }}
{%- endmacro %}

{#
    replace_from of {{ this }} as a SQL literal (timestamptz '...'), evaluated once when the model is compiled.
    changed_inputs: the model's inputs whose newly loaded rows must be re-processed, each a dict with
      relation (a ref), loaded (column, default source_loaded_at), interval (column, default interval_start_utc),
      where (optional SQL condition on the input rows).
    The compiled SQL carries the value in a comment that the strategy window_replace reads, so the rows deleted are
    exactly the rows the model re-selected.
#}
{% macro incremental_replace_from(changed_inputs) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return("timestamptz '-infinity'") }}
    {%- endif -%}
    {%- set processed_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if 'source_loaded_at' not in processed_columns -%}
        {{ return("timestamptz '-infinity'") }}
    {%- endif -%}
    {#- the state first, as literals: with the watermark as a parameter the planner expected a third of an input to
        match and walked the whole interval index for min() (2.8 s on a year of fct_household_emissions' input) -#}
    {%- set state = run_query(
        "select coalesce(window_start::text, '-infinity'), watermark::text from (" ~ incremental_state_sql(this) ~ ") as state"
    ).rows[0] -%}
    {%- if state[1] is none -%}
        {{ return("timestamptz '" ~ state[0] ~ "'") }}
    {%- endif -%}
    {%- set query -%}
        select coalesce(to_char(least(
            timestamptz '{{ state[0] }}'
            {%- for input in changed_inputs %},
            (
                {#- min() of an expression, not of the column: no min/max index shortcut on interval_start_utc -#}
                select min({{ utc_hour_start('changed_input.' ~ input.get('interval', 'interval_start_utc')) }})
                from {{ input['relation'] }} as changed_input
                where
                    changed_input.{{ input.get('loaded', 'source_loaded_at') }} > timestamptz '{{ state[1] }}'
                    {%- if input.get('where') %}
                    and ({{ input['where'] }})
                    {%- endif %}
            )
            {%- endfor %}
        ) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '-infinity')
    {%- endset -%}
    {%- set value = run_query(query).columns[0].values()[0] -%}
    {{ return("timestamptz '" ~ value ~ "'") }}
{%- endmacro %}

{#
    Predicate: the row's interval (before `before`) has rows in `relation` (the model's input) but none in {{ this }}:
    history that never reached {{ this }} or was deleted from it. Backfilled raw rows are rebuilt anyway
    (incremental_replace_from); this is the safety net for rows that went missing otherwise, at the grain of the
    interval, and cheap: a loose index scan walks the distinct intervals of `relation` (one index descent each) and
    probes {{ this }} once per interval. On 90 days of 20 households the anti-join on every key of
    fct_household_emissions took 3.2 s, an EXCEPT of the intervals 0.9 s. Both relations need their index on
    interval_start_utc (a table built before it existed: the EXCEPT, until the next --full-refresh creates it).
#}
{% macro intervals_missing_from_this(relation, before) -%}
    {%- if interval_index_exists(relation) and interval_index_exists(this) %}
    interval_start_utc in (
        with recursive input_intervals (interval_start_utc) as (
            select min(first_row.interval_start_utc)
            from {{ relation }} as first_row
            where first_row.interval_start_utc < {{ before }}
            union all
            select (
                select min(next_row.interval_start_utc)
                from {{ relation }} as next_row
                where
                    next_row.interval_start_utc > input_intervals.interval_start_utc
                    and next_row.interval_start_utc < {{ before }}
            )
            from input_intervals
            where input_intervals.interval_start_utc is not null
        )

        select input_intervals.interval_start_utc
        from input_intervals
        where
            input_intervals.interval_start_utc is not null
            and (
                select processed.interval_start_utc
                from {{ this }} as processed
                where processed.interval_start_utc = input_intervals.interval_start_utc
                limit 1
            ) is null
    )
    {%- else %}
    interval_start_utc in (
        select input_rows.interval_start_utc
        from {{ relation }} as input_rows
        where input_rows.interval_start_utc < {{ before }}
        except
        select processed.interval_start_utc
        from {{ this }} as processed
        where processed.interval_start_utc < {{ before }}
    )
    {%- endif %}
{%- endmacro %}

{# Whether `relation` has an index whose leading columns are `columns` (the `indexes` config). #}
{% macro index_exists(relation, columns) -%}
    {%- if not execute -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set query -%}
        select count(*)
        from pg_index as index_entry
        where
            index_entry.indrelid = to_regclass('"{{ relation.schema }}"."{{ relation.identifier }}"')
            {%- for column in columns %}
            and (
                select key_column.attname
                from pg_attribute as key_column
                where key_column.attrelid = index_entry.indrelid and key_column.attnum = index_entry.indkey[{{ loop.index0 }}]
            ) = '{{ column }}'
            {%- endfor %}
    {%- endset -%}
    {{ return(run_query(query).columns[0].values()[0] > 0) }}
{%- endmacro %}

{% macro interval_index_exists(relation) -%}
    {{ return(index_exists(relation, ['interval_start_utc'])) }}
{%- endmacro %}

{#
    The distinct (region, fuel) pairs of a generation table (a select): a loose index scan on its (region, fuel)
    index, one descent per pair, instead of a scan of its whole history (2.6 million rows a year of SMARD DE + 4
    areas: ~1.5 s each run). Without that index (a table built before it existed; a unit-test fixture) a plain
    select distinct.
#}
{% macro distinct_region_fuels(relation) -%}
    {%- if relation.schema is not none and index_exists(relation, ['region', 'fuel']) %}
    with recursive pairs (region, fuel) as (
        (
            select first_pair.region, first_pair.fuel
            from {{ relation }} as first_pair
            order by first_pair.region, first_pair.fuel
            limit 1
        )
        union all
        select next_pair.region, next_pair.fuel
        from pairs
        cross join lateral (
            select later.region, later.fuel
            from {{ relation }} as later
            where (later.region, later.fuel) > (pairs.region, pairs.fuel)
            order by later.region, later.fuel
            limit 1
        ) as next_pair
    )

    select pairs.region, pairs.fuel from pairs
    {%- else %}
    select distinct region, fuel from {{ relation }}
    {%- endif %}
{%- endmacro %}

{# The comment the strategy window_replace reads replace_from from (see incremental_replace_from). #}
{% macro replace_from_marker(replace_from) -%}
    /* window_replace from {{ replace_from }} */
{%- endmacro %}

{#
    The households whose settings changed since {{ this }} was built (households_with_changed_settings), as a SQL
    predicate on household_column with the ids as literals (`false` when there are none), so the planner sees a
    constant list instead of a sub-select over the whole history of {{ this }}.
#}
{% macro changed_settings_households(household_column) -%}
    {%- if not (execute and is_incremental()) -%}
        {{ return('false') }}
    {%- endif -%}
    {#- only households with rows in {{ this }}: one without (a seeded home without data yet) has nothing stale, and
        its first rows arrive as newly loaded input -#}
    {%- set query -%}
        select configured.household_id
        from {{ ref('int_households_configured') }} as configured
        where
            {{ households_with_changed_settings('configured.household_id') }}
            and exists (
                select 1
                from {{ this }} as processed_rows
                where processed_rows.household_id = configured.household_id
            )
        order by configured.household_id
    {%- endset -%}
    {%- set ids = run_query(query).columns[0].values() -%}
    {%- if ids | length == 0 -%}
        {{ return('false') }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for id in ids -%}
        {%- do literals.append(sql_literal(id)) -%}
    {%- endfor -%}
    {{ return(household_column ~ " in (" ~ (literals | join(', ')) ~ ")") }}
{%- endmacro %}

{#
    Custom incremental strategy (incremental_strategy='window_replace'): delete every row of the target from the
    model's replace_from on (read from the marker in its compiled SQL), delete the rows of the keys the batch brings
    from before replace_from (changed settings, missing keys), then insert the batch. Without a marker it falls back to
    dbt's delete+insert on unique_key.
#}
{% macro get_incremental_window_replace_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set unique_key = arg_dict['unique_key'] -%}
    {%- set unique_key = [unique_key] if unique_key is string else unique_key -%}
    {%- set columns_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set marker = modules.re.search("/\\* window_replace from (timestamptz '[^']*') \\*/", model.compiled_code or '') -%}
    {%- if marker is none -%}
        {{ return(get_delete_insert_merge_sql(target, source, unique_key, arg_dict['dest_columns'], none)) }}
    {%- endif -%}
    {%- set replace_from = marker.group(1) -%}
    {%- set older = run_query(
        "select count(*) from " ~ source ~ " where interval_start_utc < " ~ replace_from
    ).columns[0].values()[0] -%}
    delete from {{ target }}
    where interval_start_utc >= {{ replace_from }};
    {%- if older > 0 %}

    delete from {{ target }}
    where ({{ unique_key | join(', ') }}) in (
        select distinct {{ unique_key | join(', ') }}
        from {{ source }}
        where interval_start_utc < {{ replace_from }}
    );
    {%- endif %}

    insert into {{ target }} ({{ columns_csv }})
    select {{ columns_csv }}
    from {{ source }}
{%- endmacro %}

{#
    Post-hook: `analyze` {{ this }} when it has no statistics yet (first build, full refresh), not on every incremental
    run. A table without statistics made the planner expect a third of a year in the look-back and scan it whole;
    analysing a year-sized table on every run cost 0.3-0.5 s each, and autovacuum keeps the statistics of the
    incremental tables current.
#}
{% macro analyze_if_never_analyzed() -%}
    do $analyze$
    begin
        if not exists (
            select 1 from pg_stats
            where schemaname = '{{ this.schema }}' and tablename = '{{ this.identifier }}'
        ) then
            analyze {{ this }};
        end if;
    end
    $analyze$
{%- endmacro %}
