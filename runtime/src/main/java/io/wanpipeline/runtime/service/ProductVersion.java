package io.wanpipeline.runtime.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The product's version, as the build wrote it into {@code version.properties}: what {@code
 * --version} prints for every service and the command line, from a jar or from an image's exploded
 * classes alike (an image has no jar manifest to read it from).
 */
public final class ProductVersion {
  private static final String RESOURCE = "/io/wanpipeline/runtime/version.properties";

  private ProductVersion() {}

  /** The version, for example {@code 0.1.0-SNAPSHOT}. */
  public static String get() {
    try (InputStream in = ProductVersion.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the runtime module");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
