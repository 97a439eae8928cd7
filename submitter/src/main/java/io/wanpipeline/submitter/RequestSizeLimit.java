package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.Media;
import io.wanpipeline.events.VideoInput;
import io.wanpipeline.events.VideoParameters;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.wan.validation.RequestLimits;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The largest request the intake accepts, measured on the record's value as read from {@code
 * video-requests} (Confluent framing and Avro binary): {@value #MAX_BYTES} bytes (512 KiB).
 *
 * <p>Why this figure: every record the pipeline derives from a request must stay well under the
 * producers' {@code max.request.size} and the brokers' {@code message.max.bytes} (both about 1 MiB
 * by default), or the transaction that writes it fails on every retry. The largest derived record
 * is the queued copy (the request plus about 100 bytes); a status event copies only the metadata; a
 * dead letter is the request plus headers of a few hundred bytes. At half of 1 MiB each of them
 * keeps about 500 KiB of headroom, while a request may still carry a small image inline as a {@code
 * data:} URI (larger media go by URL; the provider fetches them).
 */
final class RequestSizeLimit {
  /** Error code of a request over the limit. */
  static final String REQUEST_TOO_LARGE = "REQUEST_TOO_LARGE";

  /** The limit, in bytes of the serialized request. */
  static final int MAX_BYTES = 512 * 1024;

  private RequestSizeLimit() {}

  /**
   * The error of a request whose record value is {@code serializedBytes} long, or empty when it is
   * within the limit. The field is the one holding more than half of the bytes, if one does.
   */
  static Optional<ErrorInfo> check(int serializedBytes, VideoRequest request) {
    if (serializedBytes <= MAX_BYTES) {
      return Optional.empty();
    }
    Optional<Map.Entry<String, Long>> dominant = dominantField(request, serializedBytes);
    StringBuilder message =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "the request is %,d bytes serialized, over the limit of %,d bytes (512 KiB)",
                serializedBytes,
                MAX_BYTES));
    dominant.ifPresent(
        d ->
            message.append(
                String.format(Locale.ROOT, "; %s takes %,d of them", d.getKey(), d.getValue())));
    message.append("; pass large media by URL rather than inline");
    if (!metadataFits(request)) {
      message.append("; the metadata is not copied onto this event");
    }
    return Optional.of(
        ErrorInfo.newBuilder()
            .setCode(REQUEST_TOO_LARGE)
            .setMessage(message.toString())
            .setRetryable(false)
            .setStage(ErrorStage.VALIDATION)
            .setField(dominant.map(Map.Entry::getKey).orElse(null))
            .build());
  }

  /**
   * Whether the request's metadata is within the metadata limits ({@link RequestLimits}), so that
   * the events that copy it stay small. When it is not, the REJECTED event carries no metadata.
   */
  static boolean metadataFits(VideoRequest request) {
    return RequestLimits.metadataProblem(request.getMetadata()).isEmpty();
  }

  /** {@code request} as its events may copy it: without metadata when the metadata does not fit. */
  static VideoRequest forEvents(VideoRequest request) {
    if (metadataFits(request)) {
      return request;
    }
    return VideoRequest.newBuilder(request).setMetadata(new HashMap<>()).build();
  }

  private static Optional<Map.Entry<String, Long>> dominantField(VideoRequest r, int total) {
    Map<String, Long> sizes = new LinkedHashMap<>();
    sizes.put("request_id", bytes(r.getRequestId()));
    sizes.put("account_id", bytes(r.getAccountId()));
    sizes.put("provider_account", bytes(r.getProviderAccount()));
    sizes.put("model", bytes(r.getModel()));
    VideoInput in = r.getInput();
    if (in != null) {
      sizes.put("input.prompt", bytes(in.getPrompt()));
      sizes.put("input.negative_prompt", bytes(in.getNegativePrompt()));
      sizes.put("input.img_url", bytes(in.getImgUrl()));
      sizes.put("input.first_frame_url", bytes(in.getFirstFrameUrl()));
      sizes.put("input.last_frame_url", bytes(in.getLastFrameUrl()));
      sizes.put("input.image_url", bytes(in.getImageUrl()));
      sizes.put("input.audio_url", bytes(in.getAudioUrl()));
      sizes.put("input.template", bytes(in.getTemplate()));
      sizes.put("input.reference_urls", listBytes(in.getReferenceUrls()));
      sizes.put("input.media", mediaBytes(in.getMedia()));
      sizes.put("input.function", bytes(in.getFunction()));
      sizes.put("input.video_url", bytes(in.getVideoUrl()));
      sizes.put("input.ref_images_url", listBytes(in.getRefImagesUrl()));
      sizes.put("input.mask_image_url", bytes(in.getMaskImageUrl()));
      sizes.put("input.mask_video_url", bytes(in.getMaskVideoUrl()));
      sizes.put("input.first_clip_url", bytes(in.getFirstClipUrl()));
      sizes.put("input.last_clip_url", bytes(in.getLastClipUrl()));
    }
    VideoParameters p = r.getParameters();
    if (p != null) {
      sizes.put("parameters.mode", bytes(p.getMode()));
      sizes.put("parameters.obj_or_bg", listBytes(p.getObjOrBg()));
      sizes.put("parameters.control_condition", bytes(p.getControlCondition()));
      sizes.put("parameters.mask_type", bytes(p.getMaskType()));
      sizes.put("parameters.expand_mode", bytes(p.getExpandMode()));
    }
    sizes.put("metadata", metadataBytes(r));
    return sizes.entrySet().stream()
        .filter(e -> e.getValue() * 2 > total)
        .findFirst()
        .map(e -> Map.entry(e.getKey(), e.getValue()));
  }

  private static long metadataBytes(VideoRequest r) {
    Map<? extends CharSequence, ? extends CharSequence> metadata = r.getMetadata();
    if (metadata == null) {
      return 0;
    }
    long n = 0;
    for (Map.Entry<? extends CharSequence, ? extends CharSequence> e : metadata.entrySet()) {
      n += bytes(e.getKey()) + bytes(e.getValue());
    }
    return n;
  }

  private static long mediaBytes(List<Media> media) {
    if (media == null) {
      return 0;
    }
    long n = 0;
    for (Media m : media) {
      n +=
          bytes(m.getType())
              + bytes(m.getUrl())
              + bytes(m.getReferenceVoice())
              + bytes(m.getReferenceDescription());
    }
    return n;
  }

  private static long listBytes(List<? extends CharSequence> values) {
    if (values == null) {
      return 0;
    }
    long n = 0;
    for (CharSequence v : values) {
      n += bytes(v);
    }
    return n;
  }

  private static long bytes(CharSequence s) {
    return s == null ? 0 : s.toString().getBytes(StandardCharsets.UTF_8).length;
  }
}
