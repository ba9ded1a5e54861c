-- series_not_falling (warning): per (claimant, party, category) a cumulative series does not fall
-- from one claim date to the next (see dq_series_point). A point fails when its upper end is below
-- the previous point's lower end. Drops are flagged, never deleted.
with points as (
    select * from dq_series_point where previous_value is not null
),
failing as (
    select * from points where high < previous_low
),
final as (
    select
        figure_id,
        article_id,
        claimant,
        party,
        category,
        format('{} fell from {} ({}) on {} to {} ({}) on {}', category, previous_value, previous_qualifier,
               previous_date, value, qualifier, claim_date) as reason,
        format('value={}, previous_value={}, previous_figure_id={}', value, previous_value, previous_figure_id)
            as offending
    from failing
)
select * from final
