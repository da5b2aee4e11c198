-- Target groups, innovation types and barriers overcome of each case.
select case_id, list as item_list, key as item_key
from {{ source('raw_cases', 'case_items') }}
