select * from reporting.collaboration_quality
