-- Danish labels of the headline metrics (report wording; the keys are metrics.md's).
select * from (values
    (1, 'markant_innovation', 'Markant innovation', 'har lavet markante nye tiltag'),
    (2, 'innovation', 'Innovation i alt', 'har lavet markante eller mindre nye tiltag'),
    (3, 'skuffeide', 'Skuffeidéer', 'af dem, der innoverede, afprøvede idéer, de havde "i skuffen"'),
    (4, 'flere_eksterne_aktoerer', 'Flere eksterne aktører', 'samarbejdede med flere eksterne aktører end før'),
    (5, 'kan_laere_af', 'Andre kan lære af det', 'af dem med flere samarbejdspartnere mener, at andre kan lære af deres tiltag'),
    (6, 'forventer_varighed', 'Forventer varighed', 'forventer, at tiltaget varer ved efter krisen'),
    (7, 'nye_partnere', 'Nye slags partnere', 'har fået mindst én ny slags samarbejdspartner')
) as t(sort_order, metric, label_da, sentence_da)
