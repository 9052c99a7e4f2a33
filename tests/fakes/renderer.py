"""A chart renderer that draws as the real one does and keeps what it was asked to draw."""

from __future__ import annotations

from core.progress.burnup import BurnUpPicture
from core.progress.charts import ChartRenderer, ProgressPicture


class RecordingRenderer(ChartRenderer):
    def __init__(self) -> None:
        super().__init__()
        self.pictures: list[ProgressPicture] = []
        self.burn_ups: list[BurnUpPicture] = []

    async def progress(self, picture: ProgressPicture) -> bytes:
        self.pictures.append(picture)
        return await super().progress(picture)

    async def burn_up(self, picture: BurnUpPicture) -> bytes:
        self.burn_ups.append(picture)
        return await super().burn_up(picture)
