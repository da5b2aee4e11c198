select * from reporting.ingestion_issues
