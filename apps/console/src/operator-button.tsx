import type { ButtonHTMLAttributes } from 'react';
import type { Permission } from './api';
import { useApi } from './use-api';

/**
 * A button of an operator's control: disabled, saying why, once the api refused this session's key
 * the permission it needs (the console learns the role from that 403: the api does not tell it).
 */
export function OperatorButton({ needs, disabled, title, ...rest }: { needs: Permission } & ButtonHTMLAttributes<HTMLButtonElement>) {
  const refused = useApi().refused.has(needs);
  return (
    <button
      type="button"
      {...rest}
      disabled={disabled || refused}
      title={refused ? `This key's role may not do this (it needs ${needs})` : title}
    />
  );
}
