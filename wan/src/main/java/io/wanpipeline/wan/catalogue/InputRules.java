package io.wanpipeline.wan.catalogue;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Which input fields a model takes and needs.
 *
 * @param accepted the fields the model takes; any other present field is a violation
 * @param required the fields that must be present (a subset of {@code accepted})
 * @param media the {@code input.media} rules ({@link MediaRules#NONE} for legacy models)
 */
public record InputRules(Set<InputField> accepted, Set<InputField> required, MediaRules media) {

  public InputRules {
    accepted = enumSet(accepted);
    required = enumSet(required);
    if (!accepted.containsAll(required)) {
      throw new IllegalArgumentException("required inputs " + required + " not all accepted");
    }
    media = media == null ? MediaRules.NONE : media;
    if (accepted.contains(InputField.MEDIA) == media.none()) {
      throw new IllegalArgumentException("input.media accepted iff media types are given");
    }
  }

  /** Whether the model takes {@code field}. */
  public boolean accepts(InputField field) {
    return accepted.contains(field);
  }

  /** Whether the model needs {@code field}. */
  public boolean requires(InputField field) {
    return required.contains(field);
  }

  private static Set<InputField> enumSet(Collection<InputField> fields) {
    Objects.requireNonNull(fields, "fields");
    EnumSet<InputField> s = EnumSet.noneOf(InputField.class);
    s.addAll(fields);
    return Collections.unmodifiableSet(s);
  }
}
