-- Danish labels of the segments.
select * from (values
    (1, 'alle', 'Alle'),
    (2, 'forening', 'Foreninger'),
    (3, 'kommunalt_tilbud', 'Kommunale tilbud')
) as t(sort_order, segment, segment_da)
