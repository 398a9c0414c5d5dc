"""Stage 8, analyse: the report model and each unit's stored history in; plausibility warnings
(`plausibility`) and the drafted Swedish texts (`drafts`) out. Plain functions, figures in,
Issues and sentences out."""
