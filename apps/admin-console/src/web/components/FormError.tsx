import { Alert } from '@mantine/core';

/**
 * Errors of a form that belong to no visible field (the API's `(form)` message, or fields the form does not
 * show), so nothing the API said is lost.
 */
export function FormError({
  errors,
  shown,
  title = 'Not saved',
}: {
  errors: Record<string, string>;
  shown: string[];
  title?: string;
}) {
  const rest = Object.entries(errors).filter(([k]) => k !== '(form)' && !shown.includes(k));
  if (!errors['(form)'] && !rest.length) return null;
  return (
    <Alert color="red" title={title} role="alert">
      {errors['(form)']}
      {rest.map(([k, m]) => (
        <div key={k}>
          {k}: {m}
        </div>
      ))}
    </Alert>
  );
}
