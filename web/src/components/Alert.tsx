/** An error the user should see, announced to screen readers. */
export const Alert = ({ message }: { message: string }) => (
  <p className="error" role="alert">
    {message}
  </p>
);
