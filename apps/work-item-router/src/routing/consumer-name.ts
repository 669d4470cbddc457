/** Consumer group id and inbox consumer name of the router. */
export const CONSUMER_NAME = 'work-item-router';
