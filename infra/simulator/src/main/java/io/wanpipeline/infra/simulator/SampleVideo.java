package io.wanpipeline.infra.simulator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jcodec.api.SequenceEncoder;
import org.jcodec.common.io.NIOUtils;
import org.jcodec.common.io.SeekableByteChannel;
import org.jcodec.common.model.ColorSpace;
import org.jcodec.common.model.Picture;
import org.jcodec.common.model.Rational;

/**
 * A real, playable H.264 MP4 (160x90, 25 fps, 1 s) encoded once per JVM with JCodec, on first use.
 * The bytes never change after encoding and are never handed out, only copied into streams.
 */
final class SampleVideo {
  static final int WIDTH = 160;
  static final int HEIGHT = 90;
  static final int FPS = 25;
  static final int FRAMES = 25;

  private SampleVideo() {}

  /** The encoded MP4; callers must not modify the array. */
  static byte[] bytes() {
    return Holder.BYTES;
  }

  private static final class Holder {
    static final byte[] BYTES = encode();
  }

  private static byte[] encode() {
    Path file = null;
    try {
      file = Files.createTempFile("wan-sim-sample", ".mp4");
      try (SeekableByteChannel channel = NIOUtils.writableChannel(file.toFile())) {
        SequenceEncoder encoder = SequenceEncoder.createWithFps(channel, Rational.R(FPS, 1));
        for (int f = 0; f < FRAMES; f++) {
          encoder.encodeNativeFrame(frame(f));
        }
        encoder.finish();
      }
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("could not encode the sample video", e);
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (IOException e) {
          // a leftover temp file is harmless
        }
      }
    }
  }

  /** A colour gradient with a bar sweeping across, so consecutive frames differ. */
  private static Picture frame(int index) {
    Picture pic = Picture.create(WIDTH, HEIGHT, ColorSpace.RGB);
    byte[] rgb = pic.getPlaneData(0);
    int bar = index * WIDTH / FRAMES;
    for (int y = 0; y < HEIGHT; y++) {
      for (int x = 0; x < WIDTH; x++) {
        int i = 3 * (y * WIDTH + x);
        boolean onBar = Math.abs(x - bar) < 6;
        int r = onBar ? 255 : x * 255 / WIDTH;
        int g = onBar ? 255 : y * 255 / HEIGHT;
        int b = onBar ? 255 : (index * 10) & 0xff;
        // JCodec stores samples as signed bytes offset by 128.
        rgb[i] = (byte) (r - 128);
        rgb[i + 1] = (byte) (g - 128);
        rgb[i + 2] = (byte) (b - 128);
      }
    }
    return pic;
  }
}
