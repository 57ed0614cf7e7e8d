"""The run: the stages in order (:mod:`~profitlens.pipeline.stages`), the features computed on
the P&L (:mod:`~profitlens.pipeline.features`) and incremental runs
(:mod:`~profitlens.pipeline.incremental`)."""
