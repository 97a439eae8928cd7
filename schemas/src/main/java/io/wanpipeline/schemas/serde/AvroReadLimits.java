package io.wanpipeline.schemas.serde;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.apache.avro.SystemLimitException;

/**
 * The limits Avro's binary decoder enforces on what a record declares, so that a record of a few
 * bytes that declares a string, bytes or collection of billions of elements is refused as
 * unreadable instead of allocating them (found by fuzzing the intake: an {@link OutOfMemoryError}
 * from 49 bytes). No record on a pipeline topic comes near them: the largest accepted request is
 * 512 KiB (docs/configuration.md 3.2).
 *
 * <p>Avro keeps its limits in static fields read once from system properties; a limit the operator
 * set with {@code -Dorg.apache.avro.limits...} is kept, the others are set here and Avro is made to
 * read them again, whatever decoded first in this JVM.
 */
final class AvroReadLimits {
  /** Longest string or bytes value read, in bytes: {@value}. */
  static final int MAX_LENGTH = 8 * 1024 * 1024;

  /** Most items in one array or map: {@value}. */
  static final int MAX_ITEMS = 1024 * 1024;

  private AvroReadLimits() {}

  /** Sets each limit that is not set yet, and makes Avro read them. */
  static synchronized void install() {
    setIfAbsent(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_LENGTH);
    setIfAbsent(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_LENGTH);
    setIfAbsent(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_ITEMS);
    try {
      Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
      reset.setAccessible(true);
      reset.invoke(null);
    } catch (NoSuchMethodException | IllegalAccessException | InvocationTargetException e) {
      throw new IllegalStateException("cannot install Avro's read limits", e);
    }
  }

  private static void setIfAbsent(String key, int value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, Integer.toString(value));
    }
  }
}
