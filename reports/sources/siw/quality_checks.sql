select * from reporting.quality_checks
