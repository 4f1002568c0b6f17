// The one schema for both engines. Types are chosen so that both map them: ids are
// Text (UUID strings), times Timestamp (UTC), money BigInt, flags Bool.

diesel::table! {
    organizations (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        parent_id -> Nullable<Text>,
        region_code -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organization_id -> Text,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        active -> Bool,
        email_verified_at -> Nullable<Timestamp>,
        password_changed_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        replaced_by -> Nullable<Text>,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Text,
        failures -> Integer,
        window_started_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        lockouts -> Integer,
    }
}

diesel::table! {
    password_resets (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        occurred_at -> Timestamp,
        actor_id -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Text,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        prev_hash -> Nullable<Text>,
        hash -> Nullable<Text>,
        chain_pos -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        payload_json -> Nullable<Text>,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        dead_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(users -> organizations (organization_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));

diesel::table! {
    vendors (id) {
        id -> Text,
        status -> Text,
        legal_name -> Text,
        trade_name -> Nullable<Text>,
        legal_form -> Text,
        nib -> Nullable<Text>,
        npwp -> Nullable<Text>,
        kbli_codes -> Text,
        street -> Nullable<Text>,
        region_code -> Nullable<Text>,
        postal_code -> Nullable<Text>,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        business_capital_idr -> Nullable<BigInt>,
        annual_sales_idr -> Nullable<BigInt>,
        tax_status -> Nullable<Text>,
        pp55_valid_until -> Nullable<Text>,
        bank_name -> Nullable<Text>,
        bank_account_number -> Nullable<Text>,
        bank_account_holder -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        claimed_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        pending_facts_json -> Nullable<Text>,
        pending_facts_at -> Nullable<Timestamp>,
        facts_review_note -> Nullable<Text>,
    }
}

diesel::table! {
    vendor_documents (id) {
        id -> Text,
        vendor_id -> Text,
        kind -> Text,
        number -> Nullable<Text>,
        valid_until -> Nullable<Text>,
        storage_key -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        file_name -> Text,
        uploaded_by -> Text,
        replaced_by -> Nullable<Text>,
        reminded_30_at -> Nullable<Timestamp>,
        reminded_7_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    vendor_reviews (id) {
        id -> Text,
        vendor_id -> Text,
        curator_id -> Text,
        decision -> Text,
        reason -> Nullable<Text>,
        remarks_json -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    email_verifications (id) {
        id -> Text,
        user_id -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    vendor_invitations (id) {
        id -> Text,
        vendor_id -> Text,
        email -> Text,
        token_hash -> Text,
        invited_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(vendors -> organizations (id));
diesel::joinable!(vendor_documents -> vendors (vendor_id));
diesel::joinable!(vendor_reviews -> vendors (vendor_id));
diesel::joinable!(email_verifications -> users (user_id));
diesel::joinable!(vendor_invitations -> vendors (vendor_id));

diesel::table! {
    categories (id) {
        id -> Text,
        parent_id -> Nullable<Text>,
        slug -> Text,
        name -> Text,
        kbli_prefixes -> Text,
        position -> Integer,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    products (id) {
        id -> Text,
        vendor_id -> Text,
        status -> Text,
        name -> Text,
        description -> Text,
        category_id -> Text,
        brand -> Nullable<Text>,
        sku -> Nullable<Text>,
        unit -> Text,
        unit_price_idr -> BigInt,
        min_order -> Integer,
        stock -> Integer,
        weight_grams -> Nullable<Integer>,
        specs_json -> Text,
        tkdn_certificate -> Nullable<Text>,
        tkdn_bp -> Nullable<Integer>,
        bmp_bp -> Nullable<Integer>,
        tkdn_valid_until -> Nullable<Text>,
        tkdn_document_id -> Nullable<Text>,
        published_name -> Nullable<Text>,
        published_category_id -> Nullable<Text>,
        published_unit -> Nullable<Text>,
        published_tkdn_certificate -> Nullable<Text>,
        published_tkdn_bp -> Nullable<Integer>,
        published_bmp_bp -> Nullable<Integer>,
        published_tkdn_valid_until -> Nullable<Text>,
        published_at -> Nullable<Timestamp>,
        review_note -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        import_id -> Nullable<Text>,
    }
}

diesel::table! {
    product_imports (id) {
        id -> Text,
        vendor_id -> Text,
        state -> Text,
        row_count -> Integer,
        publish -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    product_prices (id) {
        id -> Text,
        product_id -> Text,
        unit_price_idr -> BigInt,
        changed_by -> Nullable<Text>,
        changed_at -> Timestamp,
    }
}

diesel::joinable!(products -> vendors (vendor_id));
diesel::joinable!(product_prices -> products (product_id));

diesel::table! {
    search_queue (entity_kind, entity_id) {
        entity_kind -> Text,
        entity_id -> Text,
        token -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        queued_at -> Timestamp,
    }
}

diesel::table! {
    chore_runs (name) {
        name -> Text,
        done_through -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    product_images (id) {
        id -> Text,
        product_id -> Text,
        position -> Integer,
        storage_key -> Text,
        thumb_key -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        width -> Integer,
        height -> Integer,
        uploaded_by -> Text,
        created_at -> Timestamp,
        approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (actor_id, client_key) {
        actor_id -> Text,
        client_key -> Text,
        request_hash -> Text,
        token -> Text,
        response_status -> Nullable<Integer>,
        response_headers -> Nullable<Text>,
        response_body -> Nullable<Binary>,
        created_at -> Timestamp,
        locked_until -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    holidays (day) {
        day -> Text,
        name -> Text,
        kind -> Text,
        updated_by -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    holiday_years (year) {
        year -> Integer,
        seeded_at -> Timestamp,
    }
}

diesel::table! {
    cart_lines (user_id, product_id) {
        user_id -> Text,
        product_id -> Text,
        quantity -> BigInt,
        added_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    budgets (satker_id, fiscal_year, budget_line) {
        satker_id -> Text,
        fiscal_year -> Integer,
        budget_line -> Text,
        amount_idr -> BigInt,
        updated_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    number_sequences (scope) {
        scope -> Text,
        last_value -> BigInt,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        checkout_ref -> Text,
        satker_id -> Text,
        vendor_id -> Text,
        buyer_id -> Text,
        ppk_id -> Text,
        state -> Text,
        method -> Text,
        rup_code -> Text,
        budget_line -> Text,
        funding_source -> Text,
        fiscal_year -> Integer,
        delivery_address -> Text,
        delivery_date -> Text,
        note -> Nullable<Text>,
        hst_total_idr -> BigInt,
        total_idr -> BigInt,
        due_at -> Nullable<Timestamp>,
        sp_number -> Nullable<Text>,
        sp_sha256 -> Nullable<Text>,
        sp_content -> Nullable<Text>,
        sp_signed_at -> Nullable<Timestamp>,
        sp_signature -> Nullable<Text>,
        vendor_signed_at -> Nullable<Timestamp>,
        bast_number -> Nullable<Text>,
        bast_signed_at -> Nullable<Timestamp>,
        bast_vendor_signed_at -> Nullable<Timestamp>,
        invoice_number -> Nullable<Text>,
        invoice_json -> Nullable<Text>,
        invoiced_at -> Nullable<Timestamp>,
        cancel_reason -> Nullable<Text>,
        ended_at -> Nullable<Timestamp>,
        rating -> Nullable<Integer>,
        rating_comment -> Nullable<Text>,
        rated_at -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        bast_content -> Nullable<Text>,
    }
}

diesel::table! {
    order_lines (order_id, line_no) {
        order_id -> Text,
        line_no -> Integer,
        product_id -> Text,
        quantity -> BigInt,
        hst_unit_price_idr -> BigInt,
        unit_price_idr -> BigInt,
        shipped_quantity -> BigInt,
        accepted_quantity -> Nullable<BigInt>,
        condition -> Nullable<Text>,
        inspection_note -> Nullable<Text>,
        facts_json -> Text,
        frozen_at -> Nullable<Timestamp>,
        product_name -> Text,
        unit -> Text,
        tkdn_bp -> Integer,
        bmp_bp -> Integer,
        pdn_class -> Text,
        umkk -> Bool,
        local_vendor -> Bool,
        vendor_scale -> Nullable<Text>,
        vendor_region_code -> Nullable<Text>,
        category_id -> Text,
    }
}

diesel::table! {
    negotiation_rounds (order_id, round) {
        order_id -> Text,
        round -> Integer,
        party -> Text,
        action -> Text,
        prices_json -> Nullable<Text>,
        note -> Nullable<Text>,
        actor_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    shipments (id) {
        id -> Text,
        order_id -> Text,
        lines_json -> Text,
        courier -> Nullable<Text>,
        tracking -> Nullable<Text>,
        actor_id -> Text,
        shipped_at -> Timestamp,
    }
}

diesel::table! {
    addenda (order_id, version) {
        order_id -> Text,
        version -> Integer,
        state -> Text,
        changes_json -> Text,
        reason -> Text,
        proposed_by -> Text,
        proposed_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(order_lines -> orders (order_id));

diesel::table! {
    virtual_accounts (id) {
        id -> Text,
        order_id -> Text,
        va_number -> Text,
        partner_service_id -> Text,
        customer_no -> Text,
        invoice_number -> Text,
        amount_idr -> BigInt,
        state -> Text,
        expires_at -> Timestamp,
        issued_by -> Text,
        created_at -> Timestamp,
        paid_at -> Nullable<Timestamp>,
        payment_request_id -> Nullable<Text>,
        payment_reference -> Nullable<Text>,
        payment_response -> Nullable<Text>,
        bank_code -> Text,
    }
}

diesel::table! {
    snap_external_ids (partner_id, day, external_id) {
        partner_id -> Text,
        day -> Text,
        external_id -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reconciliations (id) {
        id -> Text,
        bank_code -> Text,
        from_day -> Text,
        to_day -> Text,
        file_sha256 -> Text,
        statement_rows -> Integer,
        matched -> Integer,
        unknown_in_pasar -> Integer,
        missing_at_bank -> Integer,
        amount_differs -> Integer,
        report -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(virtual_accounts -> orders (order_id));
diesel::joinable!(p3dn_lines -> orders (order_id));

diesel::table! {
    p3dn_lines (order_id, line_no) {
        order_id -> Text,
        line_no -> Integer,
        pemda_id -> Text,
        opd_id -> Text,
        satker_id -> Text,
        vendor_id -> Text,
        category_id -> Text,
        budget_line -> Text,
        funding_source -> Text,
        committed_at -> Timestamp,
        committed_idr -> BigInt,
        realised_at -> Nullable<Timestamp>,
        realised_idr -> BigInt,
        tkdn_bp -> Integer,
        pdn -> Bool,
        umkk -> Bool,
        local_vendor -> Bool,
        order_first -> Bool,
        category_first -> Bool,
    }
}

diesel::table! {
    order_documents (sha256) {
        sha256 -> Text,
        order_id -> Text,
        kind -> Text,
        number -> Text,
        issued_at -> Timestamp,
        total_idr -> BigInt,
    }
}

diesel::joinable!(order_documents -> orders (order_id));

diesel::table! {
    webhook_subscriptions (id) {
        id -> Text,
        url -> Text,
        description -> Text,
        events -> Text,
        secret -> Text,
        active -> Bool,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        secret_rotated_at -> Timestamp,
        last_attempt_at -> Nullable<Timestamp>,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
    }
}

diesel::table! {
    p3dn_daily (day, point, satker_id, vendor_id, category_id, budget_line, funding_source) {
        day -> Integer,
        point -> Integer,
        satker_id -> Text,
        vendor_id -> Text,
        category_id -> Text,
        budget_line -> Text,
        funding_source -> Text,
        pemda_id -> Text,
        opd_id -> Text,
        total_idr -> BigInt,
        pdn_idr -> BigInt,
        umkk_idr -> BigInt,
        local_idr -> BigInt,
        tkdn_idr_bp -> BigInt,
        orders -> BigInt,
        category_orders -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    organizations,
    users,
    user_roles,
    refresh_tokens,
    login_throttle,
    password_resets,
    audit_log,
    outbox,
    vendors,
    vendor_documents,
    vendor_reviews,
    email_verifications,
    vendor_invitations,
    categories,
    products,
    product_prices,
    search_queue,
    product_images,
    chore_runs,
    idempotency_keys,
    holidays,
    holiday_years,
    product_imports,
    cart_lines,
    budgets,
    number_sequences,
    orders,
    order_lines,
    negotiation_rounds,
    shipments,
    addenda,
    virtual_accounts,
    snap_external_ids,
    reconciliations,
    p3dn_lines,
    p3dn_daily,
    order_documents,
    webhook_subscriptions,
);
