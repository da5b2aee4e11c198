-- Partner organisations of each case (organisations named in a case are public).
select case_id, partner_no, name as partner_name, type as partner_type
from {{ source('raw_cases', 'case_partners') }}
