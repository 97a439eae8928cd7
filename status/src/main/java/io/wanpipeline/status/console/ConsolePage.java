package io.wanpipeline.status.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;

/**
 * The console's files, served as they are (no build step): one page, its script and its style, read
 * once from the class path. The page reads everything it shows from {@code /status/...}.
 */
public final class ConsolePage {
  /** A file to serve: its bytes and content type. */
  public record File(byte[] bytes, String contentType) {}

  private final Map<String, File> files =
      Map.of(
          "/console/", file("index.html", "text/html; charset=utf-8"),
          "/console/console.js", file("console.js", "text/javascript; charset=utf-8"),
          "/console/console.css", file("console.css", "text/css; charset=utf-8"));

  /** The file served at {@code path}, if it is one of the console's. */
  public Optional<File> at(String path) {
    return Optional.ofNullable(files.get(path));
  }

  private static File file(String name, String contentType) {
    return new File(read(name), contentType);
  }

  private static byte[] read(String name) {
    try (InputStream in = ConsolePage.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("console file missing from the class path: " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
