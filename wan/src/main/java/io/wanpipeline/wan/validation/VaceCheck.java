package io.wanpipeline.wan.validation;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.InputField;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.Phrases;
import io.wanpipeline.wan.catalogue.VaceFunction;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether a vace request's {@code input.function} is one the provider has and comes with the inputs
 * that function needs ({@link VaceFunction}): a video to repaint, edit or outpaint, a clip or frame
 * to extend, 1-3 reference images each marked {@code obj} or {@code bg}, a control condition to
 * repaint by. Inputs the function does not use are refused, as inputs a model does not take are:
 * the caller meant a different function.
 */
final class VaceCheck {
  static final String OBJ_OR_BG = "obj_or_bg";
  private static final List<String> OBJ_OR_BG_VALUES = List.of("obj", "bg");

  private VaceCheck() {}

  static void check(ModelSpec s, GenerationRequest r, List<Violation> out) {
    GenerationRequest.Input in = r.input();
    if (!InputField.FUNCTION.isPresent(in) || TextCheck.problem(in.function()).isPresent()) {
      return; // reported as a missing required input, or as characters the provider cannot take
    }
    VaceFunction function = VaceFunction.of(in.function()).orElse(null);
    if (function == null) {
      out.add(
          Violation.of(
              InputField.FUNCTION.path(),
              s.id()
                  + " takes function "
                  + Phrases.orList(
                      Stream.of(VaceFunction.values()).map(VaceFunction::wireName).toList())
                  + ", not "
                  + Phrases.echo(in.function())));
      return;
    }
    String name = "function " + function.wireName();
    for (InputField f : VaceFunction.FUNCTION_INPUTS) {
      if (f.isPresent(in) && !function.takes(f)) {
        out.add(Violation.of(f.path(), name + " does not take " + f.path()));
      }
    }
    if (function.needsVideo() && !InputField.VIDEO_URL.isPresent(in)) {
      out.add(
          Violation.of(
              InputField.VIDEO_URL.path(), name + " requires " + InputField.VIDEO_URL.path()));
    }
    if (function.needsExtensionSource()
        && VaceFunction.EXTENSION_SOURCES.stream().noneMatch(f -> f.isPresent(in))) {
      out.add(
          Violation.of(
              InputField.FIRST_CLIP_URL.path(),
              name
                  + " requires one of "
                  + Phrases.orList(
                      VaceFunction.EXTENSION_SOURCES.stream().map(InputField::path).toList())));
    }
    int refs = in.refImagesUrl().size();
    if (function.takes(InputField.REF_IMAGES_URL)
        && (refs < function.minRefImages() || refs > function.maxRefImages())) {
      out.add(
          Violation.of(
              InputField.REF_IMAGES_URL.path(),
              name
                  + " takes "
                  + (function.minRefImages() == 0
                      ? "at most " + function.maxRefImages()
                      : function.minRefImages() + " to " + function.maxRefImages())
                  + " reference images, not "
                  + refs));
    }
    function
        .requiredParameter()
        .ifPresent(
            p -> {
              if (p.equals(OBJ_OR_BG)) {
                checkObjOrBg(name, r.parameters().extra().get(OBJ_OR_BG), refs, out);
              } else {
                Object v = r.parameters().extra().get(p);
                if (v == null || v.toString().isBlank()) {
                  out.add(Violation.of("parameters." + p, name + " requires parameters." + p));
                }
              }
            });
  }

  /** One {@code obj} or {@code bg} per reference image, in order, with at most one {@code bg}. */
  private static void checkObjOrBg(String name, Object given, int refs, List<Violation> out) {
    String field = "parameters." + OBJ_OR_BG;
    List<?> marks = given instanceof List<?> l ? l : List.of();
    if (marks.size() != refs) {
      out.add(
          Violation.of(
              field,
              name
                  + " requires one obj or bg per reference image: "
                  + refs
                  + " expected, "
                  + marks.size()
                  + " given"));
      return;
    }
    for (int i = 0; i < marks.size(); i++) {
      Object m = marks.get(i);
      if (!OBJ_OR_BG_VALUES.contains(m)) {
        out.add(
            Violation.of(
                field + "[" + i + "]",
                "must be obj or bg, not " + Phrases.echo(String.valueOf(m))));
      }
    }
    if (marks.stream().filter("bg"::equals).count() > 1) {
      out.add(Violation.of(field, name + " takes at most one bg reference image"));
    }
  }
}
