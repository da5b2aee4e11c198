-- Interview x theme key.
select interview_id, theme
from {{ source('raw_interviews', 'interview_themes') }}
