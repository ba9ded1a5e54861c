-- series_jump (warning): an outlier jump between consecutive points of one series (see
-- dq_series_point), up or down by jump_ratio or more within max_gap_days: the ×10 typo.
-- Small counts (below min_value) and points far apart in time may grow that much for real.
with params as (
    select 8.0 as jump_ratio, 100 as min_value, 90 as max_gap_days
),
points as (
    select * from dq_series_point where previous_value is not null
),
failing as (
    select pt.*
    from points pt
    cross join params p
    where greatest(pt.value, pt.previous_value) >= p.min_value
      and least(pt.value, pt.previous_value) > 0
      and greatest(pt.value, pt.previous_value) >= p.jump_ratio * least(pt.value, pt.previous_value)
      and pt.claim_date - pt.previous_date <= p.max_gap_days
),
final as (
    select
        figure_id,
        article_id,
        claimant,
        party,
        category,
        format('{} jumped from {} on {} to {} on {} (×{})', category, previous_value, previous_date, value,
               claim_date, round(value / previous_value, 1)) as reason,
        format('value={}, previous_value={}, previous_figure_id={}', value, previous_value, previous_figure_id)
            as offending
    from failing
)
select * from final
