-- The disclosure rule this publication was made with (metrics.md: a cell on fewer answers than
-- the limit is suppressed), so that the report states the limit from the publication and never
-- writes a number of its own.
select cast({{ suppression_limit() }} as integer) as suppression_limit
