"""Data-channel control messages between a booth and the console (pydantic models).

Text messages on the session's data channel are JSON objects with a ``type`` field; binary
messages are still chunks (see :mod:`media.stills`). Both ends parse with
:func:`parse_control`.
"""
from __future__ import annotations

import logging
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

logger = logging.getLogger(__name__)


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Ping(_Message):
    """Application heartbeat; the peer answers with :class:`Pong`.

    Args:
        seq: sequence number, echoed in the pong.
        sent_at: sender's monotonic clock in seconds, echoed so the sender computes round-trip time.
    """

    type: Literal["ping"] = "ping"
    seq: int
    sent_at: float


class Pong(_Message):
    """Answer to :class:`Ping`.

    Args:
        seq: the ping's sequence number.
        sent_at: the ping's ``sent_at``, unchanged.
    """

    type: Literal["pong"] = "pong"
    seq: int
    sent_at: float


class Prompt(_Message):
    """Text for the booth screen, sent by the console.

    Args:
        text: what the participant reads.
        key: optional message-catalogue key so the booth can show a translated text.
    """

    type: Literal["prompt"] = "prompt"
    text: str
    key: str | None = None


class ChecklistUpdate(_Message):
    """Claim checklist state, sent by the console so the booth can show progress.

    Args:
        items: checklist item name -> done.
    """

    type: Literal["checklist"] = "checklist"
    items: dict[str, bool]


class TrackQuality(_Message):
    """Target size and frame rate for one outgoing video track.

    Args:
        width: target frame width in pixels (the booth never upscales).
        height: target frame height in pixels.
        fps: target frame rate; frames above it are dropped at the source track.
        max_kbps: upper bound of the encoder's bitrate (kbit/s); None: aiortc's own range
            (250-1500, following the receiver's estimate). A small tile needs far fewer bits
            than aiortc's estimate would give it, and every packet costs the receiver Python
            work (SRTP, RTP parsing, jitter buffer).
    """

    width: int = Field(gt=0, le=3840)
    height: int = Field(gt=0, le=2160)
    fps: float = Field(gt=0, le=60)
    max_kbps: int | None = Field(default=None, gt=0, le=10_000)


class QualityRequest(_Message):
    """The quality a console tile needs from a booth.

    Args:
        face: face camera quality, or None to pause the face track (nothing sent; used to
            measure the fixed cost of a call, and for a booth on hold).
        document: document camera quality, or None to pause the document track.
        audio: whether the booth sends its microphone. The CSO hears only the focused booth,
            so grid booths pause their microphone at the source and the console decodes one
            audio stream instead of six.
    """

    type: Literal["quality"] = "quality"
    face: TrackQuality | None
    document: TrackQuality | None = None
    audio: bool = True


class DocumentRequest(_Message):
    """The console asks the booth for a lossless still of the document camera.

    Args:
        request_id: chosen by the console; every still sent for it carries it.
        document: what the participant was asked to show (e.g. "id_card", "claim_form").
        attempt: 1 for the first request, +1 for each re-request after a bad still.
    """

    type: Literal["document_request"] = "document_request"
    request_id: str
    document: str = "document"
    attempt: int = 1


class StillBegin(_Message):
    """Manifest sent before the binary chunks of one still.

    Args:
        still_id: per-sender transfer number, carried in every chunk header.
        request_id: the :class:`DocumentRequest` this answers.
        size: exact byte length of the still.
        sha256: hex digest of the still's bytes.
        chunk_size: length of every chunk but the last.
        chunks: number of chunks.
        width: image width in pixels.
        height: image height in pixels.
        mime: media type, "image/png".
    """

    type: Literal["still_begin"] = "still_begin"
    still_id: int = Field(ge=0, lt=2**32)
    request_id: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    chunk_size: int = Field(gt=0)
    chunks: int = Field(ge=0)
    width: int = Field(ge=0)
    height: int = Field(ge=0)
    mime: str = "image/png"


class StillEnd(_Message):
    """Sent after the last chunk of a still.

    Args:
        still_id: the transfer that ended.
    """

    type: Literal["still_end"] = "still_end"
    still_id: int


class StillResult(_Message):
    """The console's verdict on one still transfer.

    Args:
        still_id: the transfer judged.
        request_id: its document request.
        ok: True when size, every chunk and sha256 matched.
        reason: why it was rejected (a :class:`media.stills.StillFault` value) when not ok.
    """

    type: Literal["still_result"] = "still_result"
    still_id: int
    request_id: str
    ok: bool
    reason: str | None = None


class StillError(_Message):
    """The booth could not capture a still for a request.

    Args:
        request_id: the request that failed.
        reason: human-readable cause (e.g. "document camera unavailable").
    """

    type: Literal["still_error"] = "still_error"
    request_id: str
    reason: str


class Renegotiate(_Message):
    """The console asks the booth for a fresh offer on a new peer connection.

    Sent when a video track stalls while the data channel is alive: aiortc's video jitter
    buffer waits for 512 packets after an unrecoverable loss, and has no ICE restart.

    Args:
        reason: why (for the log).
    """

    type: Literal["renegotiate"] = "renegotiate"
    reason: str = ""


ControlMessage = Annotated[
    Union[
        Ping,
        Pong,
        Prompt,
        ChecklistUpdate,
        QualityRequest,
        DocumentRequest,
        StillBegin,
        StillEnd,
        StillResult,
        StillError,
        Renegotiate,
    ],
    Field(discriminator="type"),
]

_adapter: TypeAdapter[ControlMessage] = TypeAdapter(ControlMessage)


def parse_control(text: str) -> ControlMessage:
    """Parse one text message from the data channel.

    Args:
        text: the JSON text received.

    Raises:
        pydantic.ValidationError: the text is not a known, well-formed control message.
    """
    return _adapter.validate_json(text)


def dump_control(message: ControlMessage) -> str:
    """Serialise a control message for the data channel.

    Args:
        message: any control model.
    """
    return message.model_dump_json()
