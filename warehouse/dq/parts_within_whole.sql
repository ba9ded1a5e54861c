-- parts_within_whole (warning): within an article, for the same claimant and party, killed and
-- wounded are each at most the casualties (killed and wounded together). A part fails when its
-- lower end is above the upper end of the largest casualties figure of its group.
with figures as (
    select * from dq_figure
),
parts as (
    select * from figures where category in ('killed', 'wounded')
),
wholes as (
    select * from figures where category = 'casualties'
),
largest_whole as (
    select *
    from wholes
    qualify row_number() over (partition by article_id, claimant, party order by high desc, figure_id) = 1
),
failing as (
    select p.*, w.value as whole_value, w.qualifier as whole_qualifier
    from parts p
    join largest_whole w
      on p.article_id = w.article_id
     and p.claimant = w.claimant
     and p.party is not distinct from w.party
    where p.low > w.high
),
final as (
    select
        figure_id,
        article_id,
        claimant,
        party,
        category,
        format('{} {} ({}) > casualties {} ({})', category, value, qualifier, whole_value, whole_qualifier)
            as reason,
        format('{}={}, casualties={}', category, value, whole_value) as offending
    from failing
)
select * from final
