/**
 * The epoch stream's vocabulary: record types and format constants shared by the writer on the
 * primary and the reader on the standby. The byte-level format is specified in
 * {@code docs/specs/epoch-stream.md}.
 */
@org.osgi.annotation.versioning.Version("1.3.0")
package org.kemari.api.epoch;
