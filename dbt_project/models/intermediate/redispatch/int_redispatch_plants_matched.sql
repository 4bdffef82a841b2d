-- One row per published affected plant name (BETROFFENE_ANLAGE) with the plant it names and its canonical fuel,
-- DOMAIN §8.3 step 3. The first rule that gives an answer wins:
--   1. the reviewed seed redispatch_plant_fuel_map (the name exactly as published) -> category, plant_key, fuel;
--      category market ("Börse": exchange-based countertrading) is not a plant and has no fuel;
--   2. the plant list by exact name or name + block, case-insensitive (the rule before issue 14; its answer is
--      kept as exact_name_fuel so the effect of 1 and 3 can be measured);
--   3. the plant list by normalised name: lower case, umlauts and ß folded, parenthesised qualifiers ("(KapRes)",
--      "(Standort)") and punctuation removed, the words Reservekraftwerk, Netzreservekraftwerk, ReserveKW,
--      Heizkraftwerk, Kraftwerk, KW, HKW, GuD, Block, Blk and the prefix 50H dropped; plants are spelled as
--      name, name + block and name + the block's last word ("Heizkraftwerk Heilbronn" / "HLB 6" ->
--      "heilbronn 6" = "Reservekraftwerk Heilbronn Block 6").
-- A name matching plants of more than one fuel matches none (ambiguous). The text normalisation is written once,
-- below (text_keys), and applied to plant names, blocks and published names alike.
{%- set generic_words = [
    '50h', 'netzreservekraftwerk', 'reservekraftwerk', 'reservekw', 'heizkraftwerk', 'kraftwerk', 'hkw', 'kw', 'gud',
    'block', 'blk',
] %}

with

published_names as (
    select distinct affected_plant
    from {{ ref('stg_netztransparenz__redispatch_measures') }}
    where affected_plant is not null
),

plants as (
    select
        plant_key,
        name,
        block,
        fuel
    from {{ ref('stg_reference__power_plants') }}
    where not is_unknown_fuel
),

reviewed as (
    select
        affected_plant,
        category,
        plant_key,
        fuel,
        mapping_version,
        reviewed_on
    from {{ ref('redispatch_plant_fuel_map') }}
),

exact_spellings as (
    select
        plant_key,
        fuel,
        lower(trim(name)) as spelling
    from plants
    union
    select
        plant_key,
        fuel,
        lower(trim(concat_ws(' ', name, block))) as spelling
    from plants
),

exact_matches as (
    select
        published_names.affected_plant,
        min(exact_spellings.fuel) as fuel,
        string_agg(distinct exact_spellings.plant_key, ' ' order by exact_spellings.plant_key) as plant_key
    from published_names
    inner join exact_spellings on lower(trim(published_names.affected_plant)) = exact_spellings.spelling
    group by published_names.affected_plant
    having count(distinct exact_spellings.fuel) = 1
),

texts as (
    select name as raw_text from plants
    union
    select block as raw_text from plants
    union
    select affected_plant as raw_text from published_names
),

-- lower case, umlauts and ß folded
folded_texts as (
    select
        raw_text,
        replace(replace(replace(replace(lower(raw_text), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss') as folded_text
    from texts
),

-- parenthesised qualifiers ("(KapRes)", "(Standort)") removed, then punctuation, underscores, damaged characters
word_texts as (
    select
        raw_text,
        regexp_replace(regexp_replace(folded_text, '\([^)]*\)', ' ', 'g'), '[^a-z0-9]+', ' ', 'g') as word_text
    from folded_texts
),

-- generic words that name no particular plant dropped
text_keys as (
    select
        raw_text,
        nullif(trim(regexp_replace(
            regexp_replace(word_text, '(^| )({{ generic_words | join('|') }})(?= |$)', ' ', 'g'), ' {2,}', ' ', 'g'
        )), '') as name_key
    from word_texts
),

normalised_spellings as (
    select
        plants.plant_key,
        plants.fuel,
        plant_name.name_key as spelling
    from plants
    inner join text_keys as plant_name on plants.name = plant_name.raw_text
    union
    select
        plants.plant_key,
        plants.fuel,
        plant_name.name_key || ' ' || plant_block.name_key as spelling
    from plants
    inner join text_keys as plant_name on plants.name = plant_name.raw_text
    inner join text_keys as plant_block on plants.block = plant_block.raw_text
    union
    select
        plants.plant_key,
        plants.fuel,
        plant_name.name_key || ' ' || substring(plant_block.name_key from '[^ ]+$') as spelling
    from plants
    inner join text_keys as plant_name on plants.name = plant_name.raw_text
    inner join text_keys as plant_block on plants.block = plant_block.raw_text
),

normalised_matches as (
    select
        published_names.affected_plant,
        min(normalised_spellings.fuel) as fuel,
        string_agg(distinct normalised_spellings.plant_key, ' ' order by normalised_spellings.plant_key) as plant_key
    from published_names
    inner join text_keys as published on published_names.affected_plant = published.raw_text
    inner join normalised_spellings on published.name_key = normalised_spellings.spelling
    group by published_names.affected_plant
    having count(distinct normalised_spellings.fuel) = 1
)

select
    published_names.affected_plant,
    published.name_key,
    case
        when reviewed.affected_plant is not null then reviewed.category
        when exact_matches.fuel is not null or normalised_matches.fuel is not null then 'plant'
    end as plant_category,
    case
        when reviewed.affected_plant is not null then reviewed.plant_key
        else coalesce(exact_matches.plant_key, normalised_matches.plant_key)
    end as plant_key,
    case
        when reviewed.affected_plant is not null then reviewed.fuel
        else coalesce(exact_matches.fuel, normalised_matches.fuel)
    end as fuel,
    case
        when reviewed.affected_plant is not null then 'mapping_seed'
        when exact_matches.fuel is not null then 'plant_list_exact'
        when normalised_matches.fuel is not null then 'plant_list_normalised'
    end as fuel_source,
    exact_matches.fuel as exact_name_fuel,
    normalised_matches.fuel as normalised_name_fuel,
    reviewed.mapping_version,
    reviewed.reviewed_on
from published_names
left join text_keys as published on published_names.affected_plant = published.raw_text
left join reviewed on published_names.affected_plant = reviewed.affected_plant
left join exact_matches on published_names.affected_plant = exact_matches.affected_plant
left join normalised_matches on published_names.affected_plant = normalised_matches.affected_plant
