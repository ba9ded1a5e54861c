-- bounds (critical): a range's lower end is not above its upper end: value <= value_high.
-- The figures suite already quarantines such rows before the load; this checks the whole warehouse.
with figures as (
    select * from figure
),
failing as (
    select * from figures where value_high is not null and value > value_high
),
final as (
    select
        figure_id,
        article_id,
        claimant,
        party,
        category,
        format('value {} > value_high {}', value, value_high) as reason,
        format('value={}, value_high={}', value, value_high) as offending
    from failing
)
select * from final
