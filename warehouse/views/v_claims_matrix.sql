-- Per category and party (whose losses), month by month: what that side claims about its own
-- losses, what its adversaries claim about them, and third-party estimates (claimant_party is
-- null, wire copy left out). Each cell is the latest running total (period cumulative or
-- unstated) up to the end of that month; the latest month of each row has is_latest = true.
create or replace view v_claims_matrix as
with claims as (
    select
        category,
        party,
        case
            when claimant_party = party then 'own'
            when claimant_party is not null then 'adversary'
            when claimant <> 'reporter' then 'third_party'
        end as source,
        claimant,
        value,
        qualifier,
        first_seen
    from v_claim
    where party is not null and first_seen is not null and coalesce(period, 'cumulative') = 'cumulative'
),
sourced as (
    select * from claims where source is not null
),
months as (
    select distinct category, party, date_trunc('month', first_seen)::date as month from sourced
),
as_of as (
    select
        m.category,
        m.party,
        m.month,
        s.source,
        arg_max(s.value, (s.first_seen, s.value)) as value,
        arg_max(s.qualifier, (s.first_seen, s.value)) as qualifier,
        arg_max(s.claimant, (s.first_seen, s.value)) as claimant,
        max(s.first_seen) as claimed_on
    from months m
    join sourced s
      on s.category = m.category and s.party = m.party
     and s.first_seen < m.month + interval 1 month
    group by all
),
final as (
    select
        category,
        party,
        month,
        max(value) filter (where source = 'own') as own_claim,
        max(claimant) filter (where source = 'own') as own_claimant,
        max(value) filter (where source = 'adversary') as adversary_claim,
        max(claimant) filter (where source = 'adversary') as adversary_claimant,
        max(value) filter (where source = 'third_party') as third_party_estimate,
        max(claimant) filter (where source = 'third_party') as third_party_claimant,
        month = max(month) over (partition by category, party) as is_latest
    from as_of
    group by category, party, month
    order by category, party, month
)
select * from final
