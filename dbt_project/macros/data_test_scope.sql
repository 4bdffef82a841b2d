{#
    The data tests' scope (data_test_scope(): the var data_test_scope if set, e.g. `--vars '{data_test_scope: recent}'`,
    else the environment variable GRIDCARBON_DATA_TEST_SCOPE, which transform_warehouse sets per run: an env var and
    not --vars, because dbt re-parses the whole project when its vars differ from the last parse's, ~3-5 s per run):
    - 'all' (default; `make test`, `dbt build` by hand, transform_warehouse's first run of each UTC day, manual
      runs and backfills): every test reads every row.
    - 'recent' (transform_warehouse's asset-triggered runs, i.e. every time raw data lands): a test of a relation
      that has interval_start_utc and a load column (source_loaded_at, else _loaded_at) reads only the rows from
      data_test_since(relation) on, so an hourly run checks what it rebuilt, not years of rows no run changed
      (issue 13: work O(new data)). Rows outside that range were tested by the run that built them and are tested
      again by the first run of the next day; relations without those columns (seeds, dimensions, snapshots) are
      always read whole.
#}

{#
    The start of the rows a 'recent' test reads (a timestamptz literal), or none (read everything); columns: the
    relation's column names:
    least(the UTC day var('incremental_lookback_days') + 1 days before the relation's newest interval (the look-back
    every incremental model rebuilds, with a day's margin), the earliest interval of a row whose input was loaded
    within var('data_test_recent_load_margin') before this dbt invocation started (a backfill or revision of any
    age)).
#}
{% macro data_test_since(relation, columns) -%}
    {%- if 'interval_start_utc' not in columns -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set basis = data_test_scope_basis(relation) -%}
    {%- set basis_columns = columns if basis == relation
        else adapter.get_columns_in_relation(basis) | map(attribute='name') | list -%}
    {%- set loaded = 'source_loaded_at' if 'source_loaded_at' in basis_columns
        else ('_loaded_at' if '_loaded_at' in basis_columns else none) -%}
    {%- if loaded is none or 'interval_start_utc' not in basis_columns -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set query -%}
        select coalesce(to_char(least(
            (select max(interval_start_utc) from {{ basis }})
                - interval '{{ var("incremental_lookback_days", 7) + 1 }} days',
            (
                select min(interval_start_utc)
                from {{ basis }}
                where {{ loaded }} > timestamptz '{{ run_started_at.isoformat() }}'
                    - interval '{{ var("data_test_recent_load_margin", "1 day") }}'
            )
        ) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '-infinity')
    {%- endset -%}
    {{ return("timestamptz '" ~ run_query(query).columns[0].values()[0] ~ "'") }}
{%- endmacro %}

{#
    dbt's hook for every generic test's `model` argument (overrides the built-in of the same name): the relation,
    filtered by the test's `where` config as dbt does, and by the 'recent' scope (data_test_scope_predicate).
#}
{% macro get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do predicates.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set in_scope = data_test_scope_predicate(relation) -%}
    {%- if in_scope != 'true' -%}
        {%- do predicates.append(in_scope) -%}
    {%- endif -%}
    {%- if predicates | length == 0 -%}
        {{ return(relation) }}
    {%- endif -%}
    {%- set filtered -%}
        (select * from {{ relation }} where {{ predicates | join(' and ') }}) dbt_subquery
    {%- endset -%}
    {{ return(filtered) }}
{%- endmacro %}

{#
    The predicate selecting the rows of `relation` a test reads under the scope ('true' when it reads everything),
    for get_where_subquery and singular tests; qualifier: the relation's alias with a dot, if any.
#}
{% macro data_test_scope_predicate(relation, qualifier='') -%}
    {%- if not execute or relation is string or data_test_scope() != 'recent' -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {%- set since = data_test_since(relation, columns) -%}
    {%- if since is none -%}
        {{ return('true') }}
    {%- endif -%}
    {%- set predicate = qualifier ~ 'interval_start_utc >= ' ~ since -%}
    {#- a view whose rows are picked per UTC hour (a window partitioned by hour_start_utc) gets the bound on that
        column too, which Postgres pushes below the window to the raw rows -#}
    {%- if 'hour_start_utc' in columns -%}
        {%- set predicate = predicate ~ ' and ' ~ qualifier ~ 'hour_start_utc >= ' ~ utc_hour_start(since) -%}
    {%- endif -%}
    {{ return(predicate) }}
{%- endmacro %}

{#
    Where the recent rows of `relation` are found cheaply: a view with exactly one parent, a source, is computed from
    that raw table (its window functions or joins would otherwise be evaluated over the whole history twice just to
    find the bound); any other relation is its own basis.
#}
{% macro data_test_scope_basis(relation) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.schema == relation.schema
            and (node.alias or node.name) == relation.identifier -%}
            {%- set parents = node.depends_on.nodes -%}
            {%- if node.config.materialized == 'view' and parents | length == 1
                and parents[0].startswith('source.') and parents[0] in graph.sources -%}
                {%- set source_node = graph.sources[parents[0]] -%}
                {{ return(adapter.get_relation(
                    database=source_node.database, schema=source_node.schema,
                    identifier=source_node.identifier) or relation) }}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(relation) }}
{%- endmacro %}

{# 'all' or 'recent' (see the top of this file); read only while executing, so parsing never depends on it. #}
{% macro data_test_scope() -%}
    {%- set scope = var('data_test_scope', env_var('GRIDCARBON_DATA_TEST_SCOPE', 'all')) | trim -%}
    {%- if scope not in ('all', 'recent') -%}
        {{ exceptions.raise_compiler_error("data_test_scope must be 'all' or 'recent', got '" ~ scope ~ "'") }}
    {%- endif -%}
    {{ return(scope) }}
{%- endmacro %}
