"""The WinRT calls behind :class:`~presence_coach.sources.winrt_camera.WinRTCameraSource`
(Windows only; imported only there).

NOT RUN ON A REAL WINDOWS CAMERA (these machines are Linux): written against Microsoft's
documented ``Windows.Media.Capture`` API as PyWinRT projects it (snake_case names, awaitable
async operations). Converting and choosing are in ``winrt_camera`` and tested there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

from presence_coach.errors import SourceError
from presence_coach.sources.winrt_frames import (
    FrameSourceInfo,
    SourceGroup,
    bgra_to_bgr,
    pick_group,
)

OPEN_TIMEOUT_S = 3.0  # inside VideoSource's open deadline


def _plain_groups(groups: object) -> list[SourceGroup]:
    """WinRT source groups as plain values (lower-case kind and stream names)."""
    from winrt.windows.media.capture import MediaStreamType
    from winrt.windows.media.capture.frames import MediaFrameSourceKind

    kinds = {MediaFrameSourceKind.COLOR: "color", MediaFrameSourceKind.INFRARED: "infrared"}
    streams = {
        MediaStreamType.VIDEO_RECORD: "record",
        MediaStreamType.VIDEO_PREVIEW: "preview",
        MediaStreamType.PHOTO: "photo",
    }
    return [
        SourceGroup(
            g.id,
            g.display_name,
            tuple(
                FrameSourceInfo(
                    i.id,
                    kinds.get(i.source_kind, "other"),
                    streams.get(i.media_stream_type, "other"),
                )
                for i in g.source_infos
            ),
        )
        for g in groups
    ]


async def _open(index: int, push: Callable[[np.ndarray], None]) -> tuple[object, object, float]:
    from winrt.windows.graphics.imaging import BitmapPixelFormat, SoftwareBitmap
    from winrt.windows.media.capture import (
        MediaCapture,
        MediaCaptureInitializationSettings,
        MediaCaptureMemoryPreference,
        MediaCaptureSharingMode,
        StreamingCaptureMode,
    )
    from winrt.windows.media.capture.frames import (
        MediaFrameReaderAcquisitionMode,
        MediaFrameSourceGroup,
    )
    from winrt.windows.media.mediaproperties import MediaEncodingSubtypes
    from winrt.windows.storage.streams import Buffer

    groups = list(await MediaFrameSourceGroup.find_all_async())
    group, info = pick_group(_plain_groups(groups), index)
    settings = MediaCaptureInitializationSettings()
    settings.source_group = next(g for g in groups if g.id == group.id)
    settings.sharing_mode = MediaCaptureSharingMode.SHARED_READ_ONLY
    settings.memory_preference = MediaCaptureMemoryPreference.CPU
    settings.streaming_capture_mode = StreamingCaptureMode.VIDEO
    capture = MediaCapture()
    await capture.initialize_async(settings)
    source = capture.frame_sources.lookup(info.id)
    fmt = source.current_format
    fps = fmt.frame_rate.numerator / max(1, fmt.frame_rate.denominator)
    reader = await capture.create_frame_reader_async(source, MediaEncodingSubtypes.bgra8)
    reader.acquisition_mode = MediaFrameReaderAcquisitionMode.REALTIME

    def arrived(sender: object, _args: object) -> None:
        frame = sender.try_acquire_latest_frame()  # type: ignore[attr-defined]
        if frame is None or frame.video_media_frame is None:
            return
        bitmap = frame.video_media_frame.software_bitmap
        if bitmap.bitmap_pixel_format != BitmapPixelFormat.BGRA8:
            bitmap = SoftwareBitmap.convert(bitmap, BitmapPixelFormat.BGRA8)
        width, height = bitmap.pixel_width, bitmap.pixel_height
        buffer = Buffer(4 * width * height)
        bitmap.copy_to_buffer(buffer)
        push(bgra_to_bgr(memoryview(buffer), width, height, 4 * width))

    reader.add_frame_arrived(arrived)
    await reader.start_async()
    return capture, reader, float(fps)


def open_shared_reader(
    index: int, push: Callable[[np.ndarray], None]
) -> tuple[object, object, float]:
    """Open camera ``index`` shared read-only; frames go to ``push`` as BGR arrays.
    Returns (capture, reader, fps) for :func:`close_shared_reader`."""
    try:
        return asyncio.run(asyncio.wait_for(_open(index, push), OPEN_TIMEOUT_S))
    except SourceError:
        raise
    except (OSError, TimeoutError) as exc:
        raise SourceError(
            f"camera {index} cannot be opened for shared access ({exc}); check Settings > "
            "Privacy & security > Camera lets desktop apps use it"
        ) from None


def close_shared_reader(capture: object, reader: object) -> None:
    """Stop the reader and close the capture."""

    async def close() -> None:
        await reader.stop_async()  # type: ignore[attr-defined]

    try:
        asyncio.run(close())
    finally:
        capture.close()  # type: ignore[attr-defined]
