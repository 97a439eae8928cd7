package io.wanpipeline.schemas.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro binary
 * body.
 */
public final class ConfluentWireFormat {
  /** The only magic byte defined. */
  public static final byte MAGIC = 0;

  /** Length of the header before the Avro body. */
  public static final int HEADER_LENGTH = 5;

  private ConfluentWireFormat() {}

  /** The schema id in a framed record. */
  public static int schemaIdOf(byte[] framed) {
    if (framed == null || framed.length < HEADER_LENGTH) {
      throw new SerializationException(
          "not a Confluent-framed record: "
              + (framed == null ? "null" : framed.length + " bytes")
              + ", need at least "
              + HEADER_LENGTH);
    }
    if (framed[0] != MAGIC) {
      throw new SerializationException(
          "not a Confluent-framed record: magic byte is " + framed[0] + ", expected 0");
    }
    return ByteBuffer.wrap(framed, 1, 4).getInt();
  }
}
