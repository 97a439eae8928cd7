package io.wanpipeline.wan.catalogue;

import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The editing functions of the vace models ({@code input.function} of wanx2.1-vace-plus) and the
 * inputs each one takes, from Model Studio's "Wan - video editing (2.1)" reference and its guide
 * (wan-vace-guide): image_reference composes a video from 1-3 reference images, each marked {@code
 * obj} or {@code bg} in {@code parameters.obj_or_bg}; video_repainting redraws a video keeping its
 * {@code parameters.control_condition}; video_edit regenerates a masked area of a video;
 * video_extension continues a clip or a frame; video_outpainting widens a video's frame.
 */
public enum VaceFunction {
  IMAGE_REFERENCE(
      "image_reference", EnumSet.of(InputField.REF_IMAGES_URL), false, 1, 3, "obj_or_bg"),
  VIDEO_REPAINTING(
      "video_repainting",
      EnumSet.of(InputField.VIDEO_URL, InputField.REF_IMAGES_URL),
      false,
      0,
      1,
      "control_condition"),
  VIDEO_EDIT(
      "video_edit",
      EnumSet.of(
          InputField.VIDEO_URL,
          InputField.REF_IMAGES_URL,
          InputField.MASK_IMAGE_URL,
          InputField.MASK_VIDEO_URL),
      false,
      0,
      1,
      null),
  VIDEO_EXTENSION(
      "video_extension",
      EnumSet.of(
          InputField.VIDEO_URL,
          InputField.FIRST_CLIP_URL,
          InputField.LAST_CLIP_URL,
          InputField.FIRST_FRAME_URL,
          InputField.LAST_FRAME_URL),
      true,
      0,
      0,
      null),
  VIDEO_OUTPAINTING("video_outpainting", EnumSet.of(InputField.VIDEO_URL), false, 0, 0, null);

  /** The inputs of which video_extension needs at least one: what it continues from or into. */
  public static final Set<InputField> EXTENSION_SOURCES =
      EnumSet.of(
          InputField.FIRST_CLIP_URL,
          InputField.LAST_CLIP_URL,
          InputField.FIRST_FRAME_URL,
          InputField.LAST_FRAME_URL);

  /** Inputs only some functions take; every function takes the prompt and negative prompt. */
  public static final Set<InputField> FUNCTION_INPUTS =
      EnumSet.of(
          InputField.VIDEO_URL,
          InputField.REF_IMAGES_URL,
          InputField.MASK_IMAGE_URL,
          InputField.MASK_VIDEO_URL,
          InputField.FIRST_CLIP_URL,
          InputField.LAST_CLIP_URL,
          InputField.FIRST_FRAME_URL,
          InputField.LAST_FRAME_URL);

  private final String wireName;
  private final Set<InputField> takes;
  private final boolean extendsASource;
  private final int minRefImages;
  private final int maxRefImages;
  private final String requiredParameter;

  VaceFunction(
      String wireName,
      Set<InputField> takes,
      boolean extendsASource,
      int minRefImages,
      int maxRefImages,
      String requiredParameter) {
    this.wireName = wireName;
    this.takes = Set.copyOf(takes);
    this.extendsASource = extendsASource;
    this.minRefImages = minRefImages;
    this.maxRefImages = maxRefImages;
    this.requiredParameter = requiredParameter;
  }

  /** The value of {@code input.function}, for example {@code image_reference}. */
  public String wireName() {
    return wireName;
  }

  /** Whether the function takes {@code field} (prompt and negative prompt are always taken). */
  public boolean takes(InputField field) {
    return !FUNCTION_INPUTS.contains(field) || takes.contains(field);
  }

  /** Whether the function needs {@code input.video_url}. */
  public boolean needsVideo() {
    return this == VIDEO_REPAINTING || this == VIDEO_EDIT || this == VIDEO_OUTPAINTING;
  }

  /** Whether the function needs one of the {@link #EXTENSION_SOURCES}. */
  public boolean needsExtensionSource() {
    return extendsASource;
  }

  /** The fewest reference images the function takes. */
  public int minRefImages() {
    return minRefImages;
  }

  /** The most reference images the function takes. */
  public int maxRefImages() {
    return maxRefImages;
  }

  /** The {@code parameters.*} name the function requires, if any. */
  public Optional<String> requiredParameter() {
    return Optional.ofNullable(requiredParameter);
  }

  /** The function named exactly {@code value}, as it is sent, if it is one. */
  public static Optional<VaceFunction> of(String value) {
    for (VaceFunction f : values()) {
      if (f.wireName.equals(value)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
