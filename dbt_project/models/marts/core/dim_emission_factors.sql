{#
    Emission factors as business-time validity windows: published history before the first snapshot version
    (seed, valid_to via lead(), capped at the first snapshot version) + every snapshot version. See the docs
    block dim_emission_factors.
#}
with

published as (
    select
        fuel,
        region,
        scope,
        g_co2eq_per_kwh,
        valid_from,
        lead(valid_from) over (partition by fuel, region, scope order by valid_from) as next_valid_from,
        source,
        source_url,
        comment
    from {{ ref('emission_factors_published') }}
),

snapshot_versions as (
    select
        fuel,
        region,
        scope,
        g_co2eq_per_kwh,
        dbt_valid_from as valid_from,
        dbt_valid_to as valid_to,
        source,
        source_url,
        comment
    from {{ ref('snp_emission_factors') }}
),

first_snapshot_version as (
    select
        fuel,
        region,
        scope,
        min(valid_from) as first_valid_from
    from snapshot_versions
    group by fuel, region, scope
),

history_before_snapshot as (
    select
        published.fuel,
        published.region,
        published.scope,
        published.g_co2eq_per_kwh,
        published.valid_from,
        case
            when first_snapshot_version.first_valid_from is null then published.next_valid_from
            else least(
                coalesce(published.next_valid_from, first_snapshot_version.first_valid_from),
                first_snapshot_version.first_valid_from
            )
        end as valid_to,
        published.source,
        published.source_url,
        published.comment
    from published
    left join first_snapshot_version
        on
            published.fuel = first_snapshot_version.fuel
            and published.region = first_snapshot_version.region
            and published.scope = first_snapshot_version.scope
    where
        first_snapshot_version.first_valid_from is null
        or published.valid_from < first_snapshot_version.first_valid_from
),

versions as (
    select * from history_before_snapshot
    union all
    select * from snapshot_versions
)

select
    md5(
        fuel || '|' || region || '|' || scope || '|'
        || to_char(valid_from at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    ) as emission_factor_id,
    fuel,
    region,
    scope,
    g_co2eq_per_kwh,
    valid_from,
    valid_to,
    source,
    source_url,
    comment,
    valid_to is null as is_current
from versions
