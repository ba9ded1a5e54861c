-- Staging of the cross-figure checks: temp views over the whole warehouse, read by every check.
-- dq_figure: each loaded figure as the interval [low, high] its qualifier allows, with its claim date.
-- approx widens the stated value by 10% each way; at_least has no upper end; at_most no lower end.
create or replace temp view dq_figure as
with params as (
    select 0.10::double as approx_tolerance
),
figures as (
    select figure_id, article_id, value, value_high, qualifier, qualifier_rule, category, party, claimant,
           claim_date, period
    from figure
),
articles as (
    select article_id, published_at from article
),
intervals as (
    select
        f.* exclude (claim_date),
        coalesce(f.claim_date, a.published_at) as claim_date,
        case f.qualifier
            when 'approx' then f.value * (1 - p.approx_tolerance)
            when 'at_most' then 0
            else f.value
        end::double as low,
        case f.qualifier
            when 'approx' then coalesce(f.value_high, f.value) * (1 + p.approx_tolerance)
            when 'at_least' then 'infinity'::double
            else coalesce(f.value_high, f.value)
        end::double as high
    from figures f
    left join articles a using (article_id)
    cross join params p
),
final as (
    select * from intervals
)
select * from final;

-- dq_series_point: one point per (claimant, party, category) and claim date: that day's largest figure
-- (a daily increment stated next to a cumulative total is smaller), with the series' previous point.
-- Left out: `reporter` (unattributed wire copy is many outlets, not one claimant keeping a tally) and
-- the increments the extractor marks ("17,700 (+200)") and figures whose sentence states a period
-- other than the whole war ("1,090 in the past 24 hours": period = day, see transforms/timing.py).
create or replace temp view dq_series_point as
with dated as (
    select *
    from dq_figure
    where claim_date is not null
      and claimant <> 'reporter'
      and qualifier_rule is distinct from 'increment'
      and coalesce(period, 'cumulative') = 'cumulative'  -- a day's, week's or event's toll is no tally
),
daily as (
    select *
    from dated
    qualify row_number() over (
        partition by claimant, party, category, claim_date order by value desc, figure_id
    ) = 1
),
points as (
    select
        *,
        lag(figure_id) over series as previous_figure_id,
        lag(value) over series as previous_value,
        lag(qualifier) over series as previous_qualifier,
        lag(low) over series as previous_low,
        lag(claim_date) over series as previous_date
    from daily
    window series as (partition by claimant, party, category order by claim_date)
),
final as (
    select * from points
)
select * from final;

-- dq_claimant_staleness: per claimant, its last claim date and the days since then (as of today).
create or replace temp view dq_claimant_staleness as
with params as (
    select 30 as stale_after_days
),
claims as (
    select claimant, claim_date from dq_figure where claim_date is not null
),
last_claims as (
    select claimant, max(claim_date) as last_claim_date, count(*) as figures
    from claims
    group by claimant
),
final as (
    select
        claimant,
        last_claim_date,
        (current_date - last_claim_date)::bigint as days_since_last_claim,
        figures,
        current_date - last_claim_date > p.stale_after_days as stale
    from last_claims
    cross join params p
    order by days_since_last_claim desc, claimant
)
select * from final;
