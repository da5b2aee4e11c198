select * from reporting.panel_changes
