select * from reporting.segment_differences
