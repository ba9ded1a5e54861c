-- Cumulative series per claimant × party × category: claims in date order with the change from the
-- previous claim. The deltas are derived here, not stated by anyone: delta_is_derived says so.
-- Claims that state a daily, weekly, monthly or single-event figure are not part of a series.
create or replace view v_series as
with points as (
    select claimant, claimant_party, party, category, first_seen as claim_date, value, qualifier, period,
           mention_count, claim_id
    from v_claim
    where coalesce(period, 'cumulative') = 'cumulative'
      and claimant <> 'reporter'
      and first_seen is not null
),
daily as (
    select * from points
    qualify row_number() over (partition by claimant, party, category, claim_date order by value desc) = 1
),
final as (
    select
        *,
        lag(claim_date) over series as previous_date,
        lag(value) over series as previous_value,
        value - lag(value) over series as delta,
        claim_date - lag(claim_date) over series as days_since_previous,
        true as delta_is_derived
    from daily
    window series as (partition by claimant, party, category order by claim_date)
)
select * from final
