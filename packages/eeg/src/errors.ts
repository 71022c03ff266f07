/** Error codes of @concord/eeg. Every file error names the file and the header field or byte offset. */
export const EEG_ERRORS = {
  /** The file ends before the header or the data the header announces. */
  truncated: 'ERR_EEG_TRUNCATED',
  /** A header field that is not what the format allows (non-numeric, out of range, inconsistent). */
  badHeader: 'ERR_EEG_BAD_HEADER',
  /** Not a file of the expected format at all (wrong magic, unknown extension). */
  unknownFormat: 'ERR_EEG_UNKNOWN_FORMAT',
  /** A format variant we do not read (e.g. a BrainVision binary format other than INT_16/INT_32/IEEE_FLOAT_32). */
  unsupported: 'ERR_EEG_UNSUPPORTED',
  /** A companion file (.eeg, .vmrk, .fdt) named by the header is missing. */
  missingCompanion: 'ERR_EEG_MISSING_COMPANION',
  /** The path cannot be opened as a file (missing, a directory, empty). */
  notAFile: 'ERR_EEG_NOT_A_FILE',
  /** A bad argument (picks, sample range, filter frequencies ...). */
  badParameter: 'ERR_EEG_BAD_PARAMETER',
  /** An unknown channel name in picks. */
  unknownChannel: 'ERR_EEG_UNKNOWN_CHANNEL',
  /** Data that cannot be written in the requested format (e.g. out of the digital range). */
  cannotWrite: 'ERR_EEG_CANNOT_WRITE',
} as const;
