/** (tenant, name) already exists. */
export class DuplicateIntegrationNameError extends Error {
  readonly field = 'name';
  constructor() {
    super('an integration with this name already exists');
    this.name = 'DuplicateIntegrationNameError';
  }
}

/** Another integration (of any tenant) already uses this vendor identifier ({@link vendorSelector}). */
export class VendorIdentifierTakenError extends Error {
  constructor(
    /** Request field holding the identifier, e.g. `config.subscription`. */
    readonly field: string,
  ) {
    super(`${field} is already registered by another integration`);
    this.name = 'VendorIdentifierTakenError';
  }
}

/** A stored row's config or secrets do not validate for its type (message names the field). */
export class InvalidStoredIntegrationError extends Error {
  constructor(
    readonly integrationId: string,
    message: string,
  ) {
    super(`integration ${integrationId}: ${message}`);
    this.name = 'InvalidStoredIntegrationError';
  }
}
