-- The data browser's annotator filter (decision 029): a page walks the annotator's labels in the
-- project in pair order and joins the pairs, instead of walking every pair and asking each for a label.
-- For the id sorts the pair id is the sort key, so this index gives the labelled pairs in page order.
CREATE INDEX labels_browse_annotator_idx ON labels (annotator_id, project_id, pair_id);
