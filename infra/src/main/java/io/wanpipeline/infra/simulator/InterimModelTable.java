package io.wanpipeline.infra.simulator;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.Endpoint;
import io.wanpipeline.wan.dashscope.TaskResponseParser;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A small table of models until the shared model catalogue lands; values from wan-protocol.md
 * sections 1.9 and 2.
 */
final class InterimModelTable implements ModelRules {

  private record Rule(
      Endpoint endpoint,
      boolean usesSize,
      List<String> tiers,
      String defaultTier,
      int minSeconds,
      int maxSeconds,
      Set<Integer> allowedSeconds,
      int defaultSeconds,
      List<String> requiredInputs,
      int concurrency,
      int rps) {}

  private static final Map<String, Rule> RULES =
      Map.ofEntries(
          Map.entry(
              "wan2.2-i2v-flash",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  false,
                  List.of("480P", "720P"),
                  "720P",
                  5,
                  5,
                  Set.of(5),
                  5,
                  List.of("img_url"),
                  2,
                  2)),
          Map.entry(
              "wan2.2-i2v-plus",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  false,
                  List.of("480P", "1080P"),
                  "1080P",
                  5,
                  5,
                  Set.of(5),
                  5,
                  List.of("img_url"),
                  2,
                  2)),
          Map.entry(
              "wan2.2-t2v-plus",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  true,
                  List.of("480P", "1080P"),
                  "1080P",
                  5,
                  5,
                  Set.of(5),
                  5,
                  List.of("prompt"),
                  2,
                  2)),
          Map.entry(
              "wan2.2-kf2v-flash",
              new Rule(
                  Endpoint.IMAGE2VIDEO,
                  false,
                  List.of("480P", "720P", "1080P"),
                  "720P",
                  5,
                  5,
                  Set.of(5),
                  5,
                  List.of("first_frame_url"),
                  2,
                  2)),
          Map.entry(
              "wanx2.1-kf2v-plus",
              new Rule(
                  Endpoint.IMAGE2VIDEO,
                  false,
                  List.of("720P"),
                  "720P",
                  5,
                  5,
                  Set.of(5),
                  5,
                  List.of("first_frame_url"),
                  2,
                  2)),
          Map.entry(
              "wan2.2-s2v",
              new Rule(
                  Endpoint.IMAGE2VIDEO,
                  false,
                  List.of("480P", "720P"),
                  "480P",
                  0,
                  0,
                  Set.of(),
                  0,
                  List.of("image_url", "audio_url"),
                  1,
                  5)),
          Map.entry(
              "wan2.5-i2v-preview",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  false,
                  List.of("480P", "720P", "1080P"),
                  "1080P",
                  5,
                  10,
                  Set.of(5, 10),
                  5,
                  List.of("img_url"),
                  5,
                  5)),
          Map.entry(
              "wan2.5-t2v-preview",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  true,
                  List.of("480P", "720P", "1080P"),
                  "1080P",
                  5,
                  10,
                  Set.of(5, 10),
                  5,
                  List.of("prompt"),
                  5,
                  5)),
          Map.entry(
              "wan2.6-i2v",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  false,
                  List.of("720P", "1080P"),
                  "1080P",
                  2,
                  15,
                  Set.of(),
                  5,
                  List.of("img_url"),
                  5,
                  5)),
          Map.entry(
              "wan2.6-t2v",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  true,
                  List.of("720P", "1080P"),
                  "1080P",
                  2,
                  15,
                  Set.of(),
                  5,
                  List.of("prompt"),
                  5,
                  5)),
          Map.entry(
              "wan2.7-i2v",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  false,
                  List.of("720P", "1080P"),
                  "1080P",
                  2,
                  15,
                  Set.of(),
                  5,
                  List.of("media"),
                  5,
                  5)),
          Map.entry(
              "wan2.7-t2v",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  false,
                  List.of("720P", "1080P"),
                  "1080P",
                  2,
                  15,
                  Set.of(),
                  5,
                  List.of("prompt"),
                  5,
                  5)),
          Map.entry(
              "happyhorse-1.0-t2v",
              new Rule(
                  Endpoint.VIDEO_GENERATION,
                  false,
                  List.of("720P", "1080P"),
                  "1080P",
                  3,
                  15,
                  Set.of(),
                  5,
                  List.of("prompt"),
                  5,
                  10)));

  private static final Map<String, Function<GenerationRequest.Input, Object>> INPUTS =
      Map.of(
          "prompt", GenerationRequest.Input::prompt,
          "img_url", GenerationRequest.Input::imgUrl,
          "first_frame_url", GenerationRequest.Input::firstFrameUrl,
          "image_url", GenerationRequest.Input::imageUrl,
          "audio_url", GenerationRequest.Input::audioUrl,
          "media", i -> i.media().isEmpty() ? null : i.media());

  @Override
  public Optional<Endpoint> endpointOf(String model) {
    return Optional.ofNullable(RULES.get(model)).map(Rule::endpoint);
  }

  @Override
  public boolean usesSize(String model) {
    Rule r = RULES.get(model);
    return r != null && r.usesSize();
  }

  @Override
  public List<String> violations(GenerationRequest request) {
    Rule r = RULES.get(request.model());
    List<String> out = new ArrayList<>();
    if (r == null) {
      return out;
    }
    for (String field : r.requiredInputs()) {
      if (INPUTS.get(field).apply(request.input()) == null) {
        out.add("Field required: input." + field);
      }
    }
    GenerationRequest.Parameters p = request.parameters();
    if (r.usesSize() && p.size() != null) {
      String tier = TaskResponseParser.tierOfSize(p.size());
      if (tier == null || !r.tiers().contains(tier)) {
        out.add(
            "The size of parameters.size is invalid: "
                + p.size()
                + " is not supported by "
                + request.model()
                + " (supported tiers: "
                + String.join(", ", r.tiers())
                + ")");
      }
    }
    if (!r.usesSize() && p.resolution() != null) {
      String tier = p.resolution().trim().toUpperCase(Locale.ROOT);
      if (!r.tiers().contains(tier)) {
        out.add(
            "The value of parameters.resolution is invalid: "
                + p.resolution()
                + " is not supported by "
                + request.model()
                + ", supported values are "
                + String.join(", ", r.tiers()));
      }
    }
    if (p.duration() != null && r.maxSeconds() > 0) {
      int d = p.duration();
      boolean ok =
          r.allowedSeconds().isEmpty()
              ? d >= r.minSeconds() && d <= r.maxSeconds()
              : r.allowedSeconds().contains(d);
      if (!ok) {
        out.add(
            "The value of parameters.duration is invalid: "
                + d
                + " is not supported by "
                + request.model()
                + (r.allowedSeconds().isEmpty()
                    ? ", it must be between " + r.minSeconds() + " and " + r.maxSeconds()
                    : ", supported values are "
                        + r.allowedSeconds().stream()
                            .sorted()
                            .map(String::valueOf)
                            .collect(Collectors.joining(", "))));
      }
    }
    return out;
  }

  @Override
  public String tierOf(GenerationRequest request) {
    Rule r = RULES.get(request.model());
    GenerationRequest.Parameters p = request.parameters();
    if (r != null && r.usesSize() && p.size() != null) {
      String tier = TaskResponseParser.tierOfSize(p.size());
      if (tier != null) {
        return tier;
      }
    }
    if (r != null && !r.usesSize() && p.resolution() != null) {
      return p.resolution().trim().toUpperCase(Locale.ROOT);
    }
    return r == null ? "720P" : r.defaultTier();
  }

  @Override
  public BigDecimal secondsOf(GenerationRequest request) {
    Rule r = RULES.get(request.model());
    Integer d = request.parameters().duration();
    if (r != null && r.maxSeconds() == 0) {
      return BigDecimal.ZERO; // follows the input audio; the simulator makes one up
    }
    if (d != null) {
      return BigDecimal.valueOf(d);
    }
    return BigDecimal.valueOf(r == null ? 5 : r.defaultSeconds());
  }

  @Override
  public Optional<Integer> concurrencyOf(String model) {
    return Optional.ofNullable(RULES.get(model)).map(Rule::concurrency);
  }

  @Override
  public Optional<Integer> submitRpsOf(String model) {
    return Optional.ofNullable(RULES.get(model)).map(Rule::rps);
  }
}
