-- The stored articles a batch replaces: the same article again (re-extraction), or an earlier
-- article of a changed file (same source_file, new content). replace_articles.sql moves them out.
create or replace temp table replaced_article as
with staged as (
    select article_id, source_file from staged_article
),
final as (
    select a.article_id
    from article a
    where a.article_id in (select article_id from staged)
       or a.source_file in (select source_file from staged)
)
select * from final;
