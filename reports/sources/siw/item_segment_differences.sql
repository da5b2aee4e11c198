select * from reporting.item_segment_differences
