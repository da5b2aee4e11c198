select * from reporting.partner_types
