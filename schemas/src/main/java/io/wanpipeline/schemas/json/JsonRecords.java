package io.wanpipeline.schemas.json;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads the plain JSON form of the contract's events: an object with the Avro schema's field names,
 * a union's value given as itself ({@code "duration": 5}; Avro's own JSON form {@code {"int": 5}}
 * is accepted too), an enum by its symbol, a {@code timestamp-millis} as an ISO-8601 instant or a
 * number of milliseconds. This is how people write requests by hand (a batch file, an estimate),
 * and how the contract's documentation shows them.
 *
 * <p>A field the schema does not have is refused, so a misspelt parameter is never silently
 * dropped; an absent field takes the schema's default, and an absent field without one is refused.
 * Every error names the field by its path ({@code parameters.duration}).
 */
public final class JsonRecords {
  private JsonRecords() {}

  /** Why a JSON value is not a record of the schema, and where. */
  public static final class InvalidJsonRecord extends IllegalArgumentException {
    private final String field;

    InvalidJsonRecord(String field, String reason) {
      super(field.isEmpty() ? reason : field + ": " + reason);
      this.field = field;
    }

    /** The path of the offending field ({@code parameters.duration}), empty for the whole value. */
    public String field() {
      return field;
    }
  }

  /**
   * The record of {@code schema} that {@code json} describes, as its generated class.
   *
   * @throws InvalidJsonRecord naming the first field that does not fit
   */
  public static <T extends SpecificRecord> T read(JsonNode json, Schema schema) {
    Object generic = value(json, schema, "");
    // Through Avro's binary form, so the generated class's own reader makes it, logical types
    // (an Instant for a timestamp) and all.
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
      new GenericDatumWriter<Object>(schema).write(generic, encoder);
      encoder.flush();
      SpecificDatumReader<T> reader =
          new SpecificDatumReader<>(schema, schema, SpecificData.getForSchema(schema));
      return reader.read(null, DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
    } catch (IOException e) {
      throw new UncheckedIOException("in-memory Avro copy failed", e);
    }
  }

  private static Object value(JsonNode json, Schema schema, String path) {
    return switch (schema.getType()) {
      case RECORD -> record(json, schema, path);
      case UNION -> union(json, schema, path);
      case STRING -> {
        expect(json.isTextual(), "a string", json, path);
        yield json.textValue();
      }
      case INT -> {
        expect(json.isIntegralNumber() && json.canConvertToInt(), "an integer", json, path);
        yield json.intValue();
      }
      case LONG -> longValue(json, schema.getLogicalType(), path);
      case DOUBLE, FLOAT -> {
        expect(json.isNumber(), "a number", json, path);
        yield schema.getType() == Schema.Type.FLOAT ? json.floatValue() : json.doubleValue();
      }
      case BOOLEAN -> {
        expect(json.isBoolean(), "true or false", json, path);
        yield json.booleanValue();
      }
      case ENUM -> {
        expect(
            json.isTextual() && schema.getEnumSymbols().contains(json.textValue()),
            "one of " + schema.getEnumSymbols(),
            json,
            path);
        yield new GenericData.EnumSymbol(schema, json.textValue());
      }
      case ARRAY -> {
        expect(json.isArray(), "an array", json, path);
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < json.size(); i++) {
          items.add(value(json.get(i), schema.getElementType(), path + "[" + i + "]"));
        }
        yield items;
      }
      case MAP -> {
        expect(json.isObject(), "an object", json, path);
        Map<String, Object> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : json.properties()) {
          entries.put(
              e.getKey(), value(e.getValue(), schema.getValueType(), join(path, e.getKey())));
        }
        yield entries;
      }
      case NULL -> {
        expect(json.isNull(), "null", json, path);
        yield null;
      }
      default -> throw new InvalidJsonRecord(path, "cannot be read from JSON: " + schema.getType());
    };
  }

  private static GenericData.Record record(JsonNode json, Schema schema, String path) {
    expect(json.isObject(), "an object", json, path);
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (schema.getField(name) == null) {
        throw new InvalidJsonRecord(join(path, name), "no such field in " + schema.getName());
      }
    }
    GenericData.Record record = new GenericData.Record(schema);
    for (Schema.Field field : schema.getFields()) {
      JsonNode given = json.get(field.name());
      String where = join(path, field.name());
      if (given == null) {
        if (!field.hasDefaultValue()) {
          throw new InvalidJsonRecord(where, "required");
        }
        record.put(field.pos(), GenericData.get().getDefaultValue(field));
      } else {
        record.put(field.pos(), value(given, field.schema(), where));
      }
    }
    return record;
  }

  /** The branch of a {@code ["null", X]} union: null, X's own JSON, or Avro's {"X": value}. */
  private static Object union(JsonNode json, Schema schema, String path) {
    if (json.isNull()) {
      expect(schema.getIndexNamed("null") != null, "a value", json, path);
      return null;
    }
    if (json.isObject() && json.size() == 1) {
      String branch = json.fieldNames().next();
      Integer index = schema.getIndexNamed(branch);
      if (index != null && schema.getTypes().get(index).getType() != Schema.Type.RECORD) {
        return value(json.get(branch), schema.getTypes().get(index), path);
      }
    }
    List<Schema> branches =
        schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).toList();
    if (branches.size() != 1) {
      throw new InvalidJsonRecord(path, "a union of " + branches.size() + " types is not read");
    }
    return value(json, branches.get(0), path);
  }

  private static long longValue(JsonNode json, LogicalType logical, String path) {
    if (logical instanceof LogicalTypes.TimestampMillis && json.isTextual()) {
      try {
        return Instant.parse(json.textValue()).toEpochMilli();
      } catch (DateTimeParseException e) {
        throw new InvalidJsonRecord(
            path, "expected an ISO-8601 instant such as 2026-06-01T08:00:00Z, got " + quote(json));
      }
    }
    expect(
        json.isIntegralNumber() && json.canConvertToLong(),
        logical instanceof LogicalTypes.TimestampMillis
            ? "an ISO-8601 instant or epoch milliseconds"
            : "an integer",
        json,
        path);
    return json.longValue();
  }

  private static void expect(boolean ok, String what, JsonNode json, String path) {
    if (!ok) {
      throw new InvalidJsonRecord(path, "expected " + what + ", got " + quote(json));
    }
  }

  /** The offending value, shortened: it is echoed to whoever wrote it, never logged. */
  private static String quote(JsonNode json) {
    String text = json.toString();
    return text.length() > 60 ? text.substring(0, 57) + "..." : text;
  }

  private static String join(String path, String name) {
    return path.isEmpty() ? name : path + "." + name;
  }
}
